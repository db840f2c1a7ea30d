# build.sh, sourced by compare.sh and issue16.sh: puts the watcher to
# measure and the harness in $tmp (which the caller made). WATCHER_BIN
# measures a given build (an older commit, say) instead of the working
# tree's, which is built as the package builds it
# (packaging/build-deb.sh): static, no cgo.
if [ -n "${WATCHER_BIN:-}" ]; then
	cp "$WATCHER_BIN" "$tmp/watcher"
else
	CGO_ENABLED=0 go build -trimpath -o "$tmp/watcher" ./cmd/watcher
fi
# The harness is a module of its own (bench/go.mod).
go -C bench build -o "$tmp/loadgen" ./loadgen
