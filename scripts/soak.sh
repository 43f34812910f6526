#!/usr/bin/env bash
# The soak: the concurrency, fault and bench-smoke tests, many times each,
# under the normal, ASan+UBSan and ThreadSanitizer builds, while an
# unrelated CPU hog keeps every core busy. A test that passes only when the
# machine is idle or fast fails here. docs/testing.md records a run.
#
#   bash scripts/soak.sh                 30 runs of each target per config
#   SOAK_RUNS=5 bash scripts/soak.sh     fewer
#
# Env knobs:
#   SOAK_RUNS=30                    --runs_per_test for every target
#   SOAK_CONFIGS="default asan tsan"
#   SOAK_TARGETS="..."              the targets (default: SOAK_DEFAULT_TARGETS below)
#   SOAK_HOGS=<number of CPUs>      busy-loop processes beside the tests (0: none)
#
# Every run of every target counts once: the last line is
# "N passed, N failed" over all runs of all configs; exit status 1 if any
# failed (a failure is a bug to fix, not to retry: no flaky-test attempts).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/bazel.sh
source "$ROOT/scripts/lib/bazel.sh"

# The Python tests of concurrency and signals run in the default config
# only (tagged no-sanitizer, as in scripts/test.sh).
SOAK_DEFAULT_TARGETS="
  //c:stress_threads //c:stress_processes //c:stress_rwlock
  //c:fault_campaign //c:fault_dead_member //c:fault_dead_reader
  //c:fault_dead_rwlock_holder //c:fault_dead_writer
  //c:bench_smoke //bench/c:smoke
  //bindings/python:test_rwlock //bindings/python:test_aio
  //bindings/python:test_signals //bindings/python:test_multiprocessing"
runs="${SOAK_RUNS:-30}"
read -r -a all_targets <<<"$(echo ${SOAK_TARGETS:-$SOAK_DEFAULT_TARGETS})"
hogs="${SOAK_HOGS:-$(nproc)}"
if ! [[ "$runs" =~ ^[1-9][0-9]*$ && "$hogs" =~ ^[0-9]+$ ]]; then
  echo "soak: SOAK_RUNS must be a positive number and SOAK_HOGS a number" >&2
  echo "0 passed, 1 failed"
  exit 2
fi

# The hog: busy loops that have nothing to do with shmring, ended with the
# script however it ends.
hog_pids=()
stop_hogs() {
  local pid
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hog_pids[@]}"; do wait "$pid" 2>/dev/null; done
  hog_pids=()
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
for ((i = 0; i < hogs; i++)); do
  bash -c 'while :; do :; done' &
  hog_pids+=("$!")
done

LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/shmring-soak.XXXXXX")"
passed=0
failed=0
declare -a summary=()
t_all=$SECONDS

# The targets a config runs: under the sanitizers not the no-sanitizer ones.
config_targets() {
  if [[ "$1" == default ]]; then
    printf '%s\n' "${all_targets[@]}"
    return
  fi
  local set
  set="$(printf '%s + ' "${all_targets[@]}")"
  bz query --noshow_progress "(${set% + }) except attr(tags, \"no-sanitizer\", //...)" 2>/dev/null
}

# count_runs LOG: "passed failed" over the summary lines of a
# --runs_per_test=$runs run: "PASSED in", "FAILED in K out of N in", and
# anything else (FAILED TO BUILD, NO STATUS, TIMEOUT) as every run failed.
count_runs() {
  local log="$1" target p=0 f=0 line k n
  for target in "${targets[@]}"; do
    line="$(grep -E "^${target}[[:space:]]" "$log" | tail -n 1)"
    if [[ "$line" =~ PASSED ]]; then
      p=$((p + runs))
    elif [[ "$line" =~ FAILED\ in\ ([0-9]+)\ out\ of\ ([0-9]+) ]]; then
      k=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
      p=$((p + n - k)) f=$((f + k))
    else
      f=$((f + runs))
    fi
  done
  echo "$p $f"
}

for cfg in ${SOAK_CONFIGS:-default asan tsan}; do
  flags=(--config=ci --runs_per_test="$runs" --nocache_test_results --keep_going)
  [[ "$cfg" == default ]] || flags+=("--config=$cfg")
  mapfile -t targets < <(config_targets "$cfg")
  if ((${#targets[@]} == 0)); then
    summary+=("[$cfg]: no target runs in this config")
    continue
  fi
  log="$LOGDIR/soak-$cfg.log" t=$SECONDS
  echo
  echo "==> bazel test ${flags[*]} (${#targets[@]} targets x $runs runs, $hogs CPU hog(s))   [$cfg]"
  bz test "${flags[@]}" "${targets[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  read -r p f < <(count_runs "$log")
  if ((rc != 0 && f == 0)); then
    f=1
    echo "bazel exited $rc in [$cfg] although every run passed; counting 1 failure" >&2
  fi
  passed=$((passed + p)) failed=$((failed + f))
  summary+=("[$cfg]: $p passed, $f failed, exit $rc, $((SECONDS - t))s")
done

stop_hogs
echo
echo "==> soak summary (logs in $LOGDIR; $runs runs per target, $hogs CPU hog(s))"
for s in "${summary[@]}"; do echo "    $s"; done
echo "    total: $((SECONDS - t_all))s"
echo "$passed passed, $failed failed"
((failed == 0))
