#!/usr/bin/env bash
# The README's run command: installs what `kmesos dev` needs (tansu, on first
# run), builds kmesos, and runs the dev cluster with the quickstart applied.
# Extra arguments are passed to `kmesos dev` (e.g. --apply examples/production).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-tansu.sh"
source "$root/scripts/env.sh"
cargo build --workspace --bins
export PATH="$root/target/debug:$KMESOS_TOOLS/bin:$PATH"
if kmesos dev --help >/dev/null 2>&1; then
  if [ $# -eq 0 ]; then set -- --apply examples/quickstart; fi
  exec kmesos dev "$@"
fi
# Until `kmesos dev` exists: validate and plan every example against an empty state.
for ex in examples/*/; do
  kmesos validate "$ex"
  kmesos plan "$ex"
done
