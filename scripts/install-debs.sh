#!/usr/bin/env bash
# Installs the Debian packages named as arguments (as root, or through sudo).
# Callers name only what is missing; with no arguments it does nothing.
set -euo pipefail
[ $# -gt 0 ] || exit 0
echo "Installing Debian packages: $*"
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
else
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
fi
