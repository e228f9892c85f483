#!/usr/bin/env bash
# Installs the tansu broker (the dev and test broker) into the kmesos tools dir,
# pinned to the version and features measured in ../shared/brokers.md; building
# it takes about 13 minutes on 2 cores.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
TANSU_VERSION=0.6.0
exec "$(dirname "$0")/install-crate.sh" tansu "$TANSU_VERSION" --features dynostore,libsql,postgres
