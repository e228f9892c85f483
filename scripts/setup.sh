#!/usr/bin/env bash
# Installs everything kmesos's tests and `kmesos dev` need on a bare machine:
# Debian packages (kcat, ZooKeeper for the highly available scheduler), the
# Python Kafka and ZooKeeper clients and schemathesis (in .venv),
# Apache Kafka (from Maven Central) and the tansu broker.
# Idempotent; safe to run on every test run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_apt=()
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
[ -x /usr/share/zookeeper/bin/zkServer.sh ] || need_apt+=(zookeeper)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
"$root/scripts/install-debs.sh" ${need_apt[@]+"${need_apt[@]}"}

if [ ! -x .venv/bin/python ] || ! cmp -s tests/requirements.txt .venv/requirements.txt; then
  echo "Setting up Python clients in .venv (tests/requirements.txt)"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt .venv/requirements.txt
fi

# ZooKeeper's server script where kmesos (dev --ha) and the tests find it.
source "$root/scripts/env.sh"
mkdir -p "$KMESOS_TOOLS/zookeeper"
ln -sf /usr/share/zookeeper/bin/zkServer.sh "$KMESOS_TOOLS/zookeeper/zkServer.sh"

"$root/scripts/install-kafka.sh"
"$root/scripts/install-tansu.sh"
