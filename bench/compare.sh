#!/usr/bin/env bash
# compare.sh: watcher against urlwatch on the same loopback feeds (issue #7).
#
# Installs urlwatch (Debian package) if missing, builds watcher and the load
# harness, then runs, per repetition, a cold, a warm and a P%-changed cycle
# of the floor client (only the N conditional GETs), `watcher once` and
# urlwatch, interleaved, on the same N feeds served on 127.0.0.1, and prints
# the medians side by side with the ratios to the floor and urlwatch ÷
# watcher.
#
# Usage: [WATCHER_BIN=path] bench/compare.sh [loadgen flags]   e.g. bench/compare.sh -n 1000 -k 20 -p 5 -runs 5
# Defaults: -n 1000 -k 20 -p 5 -runs 5 -follow=false (urlwatch does not
# follow links, so watcher is measured on the same feeds-only work; pass
# -follow=true to include watcher's article fetches).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v urlwatch >/dev/null 2>&1; then
	echo "compare.sh: installing urlwatch (apt-get)" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq urlwatch >/dev/null
fi
urlwatch_bin=$(command -v urlwatch)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. bench/build.sh

echo "watcher $("$tmp/watcher" version 2>/dev/null || true), $("$urlwatch_bin" --version), $(nproc) cores" >&2
# Later flags win, so the caller's override these defaults.
"$tmp/loadgen" -watcher "$tmp/watcher" -urlwatch "$urlwatch_bin" \
	-n 1000 -k 20 -p 5 -runs 5 -cycles 1 -follow=false "$@"
