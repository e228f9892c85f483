#!/usr/bin/env bash
# Installs a pinned version of a crate's binaries from crates.io into the
# kmesos tools dir ($KMESOS_TOOLS/bin), with its locked dependencies:
#   install-crate.sh CRATE VERSION [cargo install options...]
# Idempotent: does nothing when that version is already there.
set -euo pipefail
crate=$1 version=$2
shift 2
TOOLS_DIR=${KMESOS_TOOLS:-$HOME/.cache/kmesos/tools}
bin="$TOOLS_DIR/bin/$crate"
stamp="$TOOLS_DIR/$crate.version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "$crate $version already installed at $bin"
  exit 0
fi
echo "Building $crate $version from crates.io into $TOOLS_DIR..."
mkdir -p "$TOOLS_DIR"
CARGO_TARGET_DIR="$TOOLS_DIR/build-$crate" cargo install "$crate" --version "$version" --locked \
  --root "$TOOLS_DIR" "$@"
rm -rf "$TOOLS_DIR/build-$crate"
echo "$version" > "$stamp"
echo "$crate installed: $bin"
