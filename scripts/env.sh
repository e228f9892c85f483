# Sourced by the scripts: where the tools installed by setup.sh live.
# Tests read KMESOS_TANSU, KMESOS_KAFKA_DIST, KMESOS_ZOOKEEPER and KMESOS_PYTHON (see ARCHITECTURE.md, "Testing").
KMESOS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export KMESOS_TOOLS=${KMESOS_TOOLS:-$HOME/.cache/kmesos/tools}
export KMESOS_TANSU=${KMESOS_TANSU:-$KMESOS_TOOLS/bin/tansu}
export KMESOS_KAFKA_DIST=${KMESOS_KAFKA_DIST:-$KMESOS_TOOLS/kafka/current.tgz}
export KMESOS_ZOOKEEPER=${KMESOS_ZOOKEEPER:-$KMESOS_TOOLS/zookeeper/zkServer.sh}
export KMESOS_PYTHON=${KMESOS_PYTHON:-$KMESOS_ROOT/.venv/bin/python}
