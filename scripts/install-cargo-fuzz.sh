#!/usr/bin/env bash
# Installs cargo-fuzz (the `cargo fuzz` subcommand scripts/fuzz.sh runs) into
# the kmesos tools dir, pinned; building it takes under a minute.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
CARGO_FUZZ_VERSION=0.13.2
exec "$(dirname "$0")/install-crate.sh" cargo-fuzz "$CARGO_FUZZ_VERSION"
