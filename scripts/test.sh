#!/usr/bin/env bash
# Runs every kmesos test: installs what tests need, then the Rust tests
# (unit, integration, end to end), the Python client tests and a short run
# of every fuzz target (scripts/fuzz.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"
source "$root/scripts/env.sh"
"$root/scripts/module-cycles.sh"
cargo build --workspace --all-targets
cargo test --workspace --no-fail-fast
if ls tests/test_*.py >/dev/null 2>&1; then
  cargo build --workspace --bins
  "$KMESOS_PYTHON" -m pytest -q tests
fi
"$root/scripts/fuzz.sh"
