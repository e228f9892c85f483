#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for SECONDS each (default 20, as CI does;
# `scripts/fuzz.sh 600` is the soak). Installs cargo-fuzz if missing; builds
# on the stable toolchain, which takes cargo-fuzz's flags when no sanitizer is
# asked for. Seeds come from fuzz/corpus/TARGET, and for hcl_config from the
# examples and the CLI's test fixtures (never written to); what the fuzzer
# finds grows fuzz/target/corpus/TARGET, kept between runs. Fails if any
# target crashes or spends over 60 s on one input; those inputs are in
# fuzz/artifacts/TARGET. Optional target names after SECONDS run only those.
# Short runs use a fixed seed, so a commit's CI run mutates the same inputs
# in the same order every time (FUZZ_SEED=N picks another).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source "$root/scripts/env.sh"
seconds=${1:-20}
shift || true
"$root/scripts/install-cargo-fuzz.sh" >/dev/null
# libfuzzer-sys compiles libFuzzer's C++ sources.
command -v c++ >/dev/null 2>&1 || "$root/scripts/install-debs.sh" g++
export PATH="$KMESOS_TOOLS/bin:$PATH"
# No sanitizer: the code fuzzed is safe Rust, and AddressSanitizer would
# cost three times the runs. Both builds check arithmetic overflow, as the
# test builds do.
if [ "$seconds" -lt 60 ]; then
  # Short runs (CI's): unoptimized, about a third of the optimized build's time.
  flags=(--dev --sanitizer none)
  seed=(-seed="${FUZZ_SEED:-1}")
else
  # The soak: optimized, over ten times the runs a second.
  flags=(--release --debug-assertions --sanitizer none)
  seed=()
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
start=$SECONDS
cargo fuzz build "${flags[@]}"
echo "fuzz targets built in $((SECONDS - start)) s"

failed=()
for target in "${targets[@]}"; do
  work="fuzz/target/corpus/$target" log="fuzz/target/$target.log"
  case $target in
    hcl_config) seeds=(examples cmd/tests/fixtures) ;;
    *) seeds=("fuzz/corpus/$target") ;;
  esac
  mkdir -p "$work"
  echo "fuzzing $target for $seconds s"
  if ! cargo fuzz run "${flags[@]}" "$target" "$work" "${seeds[@]}" -- \
    -max_total_time="$seconds" -timeout=60 ${seed[@]+"${seed[@]}"} -print_final_stats=1 >"$log" 2>&1; then
    grep -E -A3 'panicked at|==ERROR|^SUMMARY|Failing input:|Reproduce with:' "$log" | cut -c1-300
    echo "(the whole output: $log)"
    failed+=("$target")
  fi
  grep -E '^stat::number_of_executed_units' "$log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets that crashed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "no crashes in ${#targets[@]} fuzz targets ($seconds s each)"
