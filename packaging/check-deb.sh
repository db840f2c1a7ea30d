#!/usr/bin/env bash
# CI check of the .deb built by build-deb.sh: its contents, lintian, and an
# install on this machine (CI runs as root) with the installed config
# validated and the installed unit verified, then a clean purge.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls dist/watcher_*.deb)

contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/watcher ./lib/systemd/system/watcher.service ./etc/watcher/watcher.yaml \
	./etc/watcher/watcher.env ./usr/share/bash-completion/completions/watcher \
	./usr/share/zsh/vendor-completions/_watcher ./usr/share/fish/vendor_completions.d/watcher.fish \
	./usr/share/man/man1/watcher.1.gz ./usr/share/doc/watcher/copyright; do
	grep -q " $f\$" <<<"$contents" || { echo "check-deb: $deb lacks $f" >&2; exit 1; }
done
dpkg-deb -f "$deb" Version | grep -vq devel
dpkg-deb -I "$deb" conffiles | grep -qx /etc/watcher/watcher.yaml

# Every lintian override is explained in packaging/lintian-overrides.
lintian --fail-on error,warning --suppress-tags-from-file packaging/lintian-overrides "$deb"

[ "$(id -u)" = 0 ] || { echo "check-deb: not root, skipping the install test"; exit 0; }
dpkg -i "$deb"
trap 'dpkg --purge watcher >/dev/null 2>&1 || true' EXIT
v=$(/usr/bin/watcher version)
case "$v" in *devel*|*" dev"*) echo "check-deb: the installed binary says '$v': not stamped with the package version" >&2; exit 1 ;; esac
/usr/bin/watcher validate --config /etc/watcher/watcher.yaml
systemd-analyze verify /lib/systemd/system/watcher.service
dpkg --purge watcher
trap - EXIT
! dpkg -s watcher >/dev/null 2>&1
[ ! -e /usr/bin/watcher ] && [ ! -e /etc/watcher/watcher.yaml ]
echo "check-deb: ok"
