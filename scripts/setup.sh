#!/usr/bin/env bash
# Installs everything kmesos's tests and `kmesos dev` need on a bare machine:
# Debian packages, the Python Kafka clients and schemathesis (in .venv),
# Apache Kafka (from Maven Central) and the tansu broker.
# Idempotent; safe to run on every test run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_apt=()
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
"$root/scripts/install-debs.sh" ${need_apt[@]+"${need_apt[@]}"}

if [ ! -x .venv/bin/python ] || ! cmp -s tests/requirements.txt .venv/requirements.txt; then
  echo "Setting up Python clients in .venv (tests/requirements.txt)"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt .venv/requirements.txt
fi

"$root/scripts/install-kafka.sh"
"$root/scripts/install-tansu.sh"
