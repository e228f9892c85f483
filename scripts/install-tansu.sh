#!/usr/bin/env bash
# Installs the tansu broker (the dev and test broker) into the kmesos tools dir,
# pinned to the version and features measured in ../shared/brokers.md.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
TANSU_VERSION=0.6.0
TOOLS_DIR=${KMESOS_TOOLS:-$HOME/.cache/kmesos/tools}
bin="$TOOLS_DIR/bin/tansu"
stamp="$TOOLS_DIR/tansu.version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$TANSU_VERSION" ]; then
  echo "tansu $TANSU_VERSION already installed at $bin"
  exit 0
fi
echo "Building tansu $TANSU_VERSION from crates.io into $TOOLS_DIR (about 13 minutes on 2 cores)..."
mkdir -p "$TOOLS_DIR"
CARGO_TARGET_DIR="$TOOLS_DIR/build" cargo install tansu --version "$TANSU_VERSION" --locked \
  --features dynostore,libsql,postgres --root "$TOOLS_DIR"
rm -rf "$TOOLS_DIR/build"
echo "$TANSU_VERSION" > "$stamp"
echo "tansu installed: $bin"
