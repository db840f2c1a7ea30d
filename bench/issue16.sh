#!/usr/bin/env bash
# issue16.sh: every measurement of issue #16's targets, one after the
# other, each table in Markdown on stdout (progress on stderr). About 15
# minutes on an idle 2-core machine; the daemon run alone is 8.
#
#   1. N=1,000 feeds only: cold, warm and 5%-changed `once`, interleaved
#      with the floor client (target 1), medians of 5;
#   2. N=10,000 feeds only: one cold and five warm `once` (targets 1, 6);
#   3. N=1,000 x 20 with follow_links: cold, warm and ten changed `once`
#      (targets 2, 5), medians of 3;
#   4. `watcher run`, 30 cycles, /metrics and the status page after
#      cycles 1 and 30 (targets 3, 4);
#   5. compare.sh: the same as 1 with urlwatch beside it.
#
# Usage: [WATCHER_BIN=path] bench/issue16.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. bench/build.sh
lg() { "$tmp/loadgen" -watcher "$tmp/watcher" "$@"; }

echo "## 1. N=1,000, feeds only"
lg -n 1000 -k 20 -p 5 -runs 5 -follow=false
echo "## 2. N=10,000, feeds only"
lg -n 10000 -follow=false -runs 1 -warm 5 -cycles 0
echo "## 3. N=1,000 x 20, follow_links"
lg -runs 3 -cycles 10
echo "## 4. watcher run, 30 cycles"
lg -daemon -cycles 30 -interval 15s -scrape-at 1,30
echo "## 5. beside urlwatch"
WATCHER_BIN="$tmp/watcher" bench/compare.sh -runs 5
