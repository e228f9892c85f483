#!/usr/bin/env bash
# Runs every kmesos test: installs what tests need, then the Rust tests
# (unit, integration, end to end) and the Python client tests.
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
