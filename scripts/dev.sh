#!/usr/bin/env bash
# The README's run command: installs what `kmesos dev` needs for the
# quickstart (Java and Apache Kafka, on first run), builds kmesos, and runs
# the dev cluster with the quickstart applied. tansu (for examples/tansu) is
# served too once scripts/install-tansu.sh or scripts/setup.sh built it.
# Extra arguments are passed to `kmesos dev` (e.g. --apply examples/production).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-kafka.sh"
source "$root/scripts/env.sh"
cargo build --workspace --bins
export PATH="$root/target/debug:$KMESOS_TOOLS/bin:$PATH"
if [ $# -eq 0 ]; then set -- --apply examples/quickstart; fi
exec kmesos dev "$@"
