#!/usr/bin/env bash
# Builds dist/watcher_<version>_<arch>.deb: the binary, the systemd unit,
# /etc/watcher/watcher.yaml (a conffile with absolute paths), the secrets
# template, shell completions and the man page, all generated from this
# checkout so the package cannot drift from the code.
#
# VERSION defaults to the tag (v1.2.3 -> 1.2.3), else 0~gitYYYYMMDD.HASH;
# a package is never stamped "devel".
set -euo pipefail
cd "$(dirname "$0")/.."
NFPM=${NFPM:-github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0}

if tag=$(git describe --tags --exact-match 2>/dev/null); then
	VERSION=${VERSION:-${tag#v}}
else
	VERSION=${VERSION:-0~git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short=12 HEAD)}
fi
DEB_ARCH=${DEB_ARCH:-$(go env GOARCH)}
export VERSION DEB_ARCH
# The version stamp, the same in the packaged binary and the man pages.
STAMP="-X github.com/figwatch/watcher/internal/buildinfo.version=$VERSION"

rm -rf dist && mkdir -p dist/completions dist/man
CGO_ENABLED=0 GOOS=linux GOARCH="$DEB_ARCH" go build -trimpath -buildvcs=false \
	-ldflags "-s -w $STAMP" \
	-o dist/watcher ./cmd/watcher

# The unit runs the packaged binary; everything else is the repository's.
sed 's#^ExecStart=/usr/local/bin/watcher#ExecStart=/usr/bin/watcher#' systemd/watcher.service >dist/watcher.service
grep -q '^ExecStart=/usr/bin/watcher ' dist/watcher.service

# The packaged config: absolute storage path in the state directory, and
# the loopback listener on, so `watcher status` reaches the running service.
sed -e 's#^  path: \./data/watcher\.db#  path: /var/lib/watcher/watcher.db#' \
	-e 's|^  # listen: "127.0.0.1:9464"|  listen: "127.0.0.1:9464"|' \
	config/watcher.yaml >dist/watcher.yaml
grep -q '^  path: /var/lib/watcher/watcher.db' dist/watcher.yaml
grep -q '^  listen: "127.0.0.1:9464"' dist/watcher.yaml
cp packaging/watcher.env dist/watcher.env

# Generated from the command definitions.
dist/watcher completion bash >dist/completions/watcher.bash
dist/watcher completion zsh >dist/completions/_watcher
dist/watcher completion fish >dist/completions/watcher.fish
# The man pages come from a build with the manpages tag, the one that has
# the `man` command (cmd/watcher/man.go): the packaged binary does not carry
# the generator. Same command tree, same version stamp.
go run -tags manpages -trimpath -buildvcs=false \
	-ldflags "$STAMP" \
	./cmd/watcher man dist/man
gzip -9n dist/man/*.1

printf 'watcher (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- watcher maintainers <maintainers@users.noreply.github.com>  %s\n' \
	"$VERSION" "$(git rev-parse HEAD)" "$(git log -1 --format=%aD)" | gzip -9n >dist/changelog.gz

go run "$NFPM" package --config packaging/nfpm.yaml --packager deb --target dist/
ls dist/*.deb
