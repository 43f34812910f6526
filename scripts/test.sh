#!/usr/bin/env bash
# THE test command: scripts/test.sh
#
#   1. scripts/install-deps.sh           (apt, only if something is missing)
#      scripts/sync-vendored.sh --check  the version and the C core copied into
#                                         each package equal their source
#   2. bazel test //...                   normal build
#   3. bazel test --config=asan //...     AddressSanitizer + UBSan
#   4. bazel test --config=tsan //...     ThreadSanitizer
#   5. tests/install/check_install.sh     install into a temp prefix, build a consumer
#   6. tests/install/check_python_pip.sh  pip install ./bindings/python[test] into a
#                                         fresh venv, pip wheel, pytest on the install
#   7. bindings/rust: cargo test (with doc tests), cargo clippy --all-targets -- -D warnings
#   8. bindings/go and examples/cross/go: go vet; bindings/go: go test -race
#   9. tests/cross/run.sh                 every language against every other
#  10. tests/pipeline/run.sh              the video pipeline of scripts/run.sh, short
#  11. scripts/package.sh + tests/packaging/run.sh   every artifact built, then
#                                         installed outside the checkout and used
#  12. tests/bridge/run.sh                shmring-bridge between two network namespaces
#                                         (normal and ASan builds of the bridge)
#
# Last line of output is exactly "N passed, N failed", counting every Bazel test
# target once per configuration (the Python py_tests, tagged no-sanitizer, only
# in the default one), plus the vendored-copy check, the install check, each
# pytest test of step 6, every cargo and Go test function (doc tests
# included), clippy and vet once each, every cross-language run, each
# pytest test of step 10, each artifact check of step 11 (a failed
# scripts/package.sh counts as one failure), and each bridge case of step 12
# per build. Exit status is nonzero if anything failed.
#
# Env knobs (for local use; CI uses the defaults):
#   SHMRING_CONFIGS="default asan tsan"   which Bazel configurations to run
#   SHMRING_SKIP_INSTALL_CHECK=1          skip step 5
#   SHMRING_SKIP_PYTHON_PIP=1             skip step 6
#   SHMRING_SKIP_BINDINGS=1               skip steps 7-9
#   SHMRING_SKIP_PIPELINE=1               skip step 10
#   SHMRING_SKIP_PACKAGING=1              skip step 11
#   SHMRING_SKIP_BRIDGE=1                 skip step 12
#   CARGO_TARGET_DIR=dir                  cargo's build dir (default ~/.cache/shmring/cargo-target, or under SHMRING_CACHE_DIR)
#   SHMRING_SKIP_DEPS=1                   skip step 1
#   BAZEL_TEST_FLAGS="..."                extra flags for every `bazel test`
#   SHMRING_BAZEL_SHUTDOWN=1              stop the Bazel server at the end (.ci/run sets it)
#   BAZEL_OUTPUT_USER_ROOT=dir            see scripts/lib/bazel.sh
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

passed=0
failed=0
declare -a summary=()
t_all=$SECONDS

phase_time() { echo "$(( SECONDS - $1 ))s"; }

if [[ -z "${SHMRING_SKIP_DEPS:-}" ]]; then
  t=$SECONDS
  echo "==> install-deps"
  if ! bash scripts/install-deps.sh; then
    echo "scripts/install-deps.sh failed" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  summary+=("install-deps: $(phase_time $t)")
fi

# shellcheck source=lib/bazel.sh
source "$ROOT/scripts/lib/bazel.sh"
if [[ -n "${SHMRING_BAZEL_SHUTDOWN:-}" ]]; then
  trap 'bz shutdown >/dev/null 2>&1 || true' EXIT
fi

t=$SECONDS
echo
echo "==> scripts/sync-vendored.sh --check"
if bash scripts/sync-vendored.sh --check; then
  passed=$(( passed + 1 )); r=passed
else
  failed=$(( failed + 1 )); r=FAILED
fi
summary+=("vendored copies: $r, $(phase_time $t)")

read -r -a extra_flags <<<"${BAZEL_TEST_FLAGS:-}"
LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/shmring-test.XXXXXX")"

# Test targets `bazel test //...` runs: manual-tagged ones excluded, and
# under the sanitizer configs the no-sanitizer ones (.bazelrc filters them).
count_tests() {
  local n
  n="$(bz query --noshow_progress "tests(//...) except attr(tags, \"manual\", //...)$1" 2>"$LOGDIR/query.err" | grep -c '^//' || true)"
  if [[ -s "$LOGDIR/query.err" ]] && grep -q ERROR "$LOGDIR/query.err"; then
    cat "$LOGDIR/query.err" >&2
  fi
  if [[ "$n" =~ ^[0-9]+$ ]]; then echo "$n"; else echo 0; fi
}
n_tests_default="$(count_tests "")"
n_tests_sanitizer="$(count_tests ' except attr(tags, "no-sanitizer", //...)')"
echo "==> $n_tests_default test target(s) in the default configuration, $n_tests_sanitizer under sanitizers"

run_config() {
  local name="$1"; shift
  local log="$LOGDIR/bazel-$name.log" t=$SECONDS rc p f n_tests
  if [[ "$name" == default ]]; then n_tests=$n_tests_default; else n_tests=$n_tests_sanitizer; fi
  echo
  echo "==> bazel test ${*:-} //...   [$name]"
  if ((n_tests == 0)); then
    # Nothing to test: at least make sure everything builds.
    bz build --config=ci "$@" "${extra_flags[@]}" --keep_going //... 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    p=0; f=$(( rc == 0 ? 0 : 1 ))
  else
    bz test --config=ci "$@" "${extra_flags[@]}" --keep_going //... 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    # Summary lines: "//c:foo   (cached) PASSED in 0.1s" / "FAILED in ..." / "NO STATUS" / "FAILED TO BUILD"
    p="$(grep -c -E '^//[^[:space:]]+[[:space:]]+(\(cached\)[[:space:]]+)?(PASSED|FLAKY)' "$log" || true)"
    f=$(( n_tests - p ))
    if (( f < 0 )); then f=0; fi
    # Bazel failed although every test passed (e.g. a non-test target did not build).
    if (( rc != 0 && f == 0 )); then f=1; echo "bazel exited $rc in [$name] although all tests passed; counting 1 failure" >&2; fi
  fi
  passed=$(( passed + p ))
  failed=$(( failed + f ))
  summary+=("bazel [$name]: $p passed, $f failed, exit $rc, $(phase_time $t)")
}

for cfg in ${SHMRING_CONFIGS:-default asan tsan}; do
  case "$cfg" in
    default) run_config default ;;
    *) run_config "$cfg" "--config=$cfg" ;;
  esac
done

if [[ -z "${SHMRING_SKIP_INSTALL_CHECK:-}" ]]; then
  t=$SECONDS
  echo
  echo "==> tests/install/check_install.sh"
  if bash tests/install/check_install.sh; then
    passed=$(( passed + 1 )); r=passed
  else
    failed=$(( failed + 1 )); r=FAILED
  fi
  summary+=("install check: $r, $(phase_time $t)")
fi

# run_counted NAME SCRIPT [ARGS...]: run a script whose last line is
# "LABEL: N passed, N failed" and add its counts (a nonzero exit with no
# failure counted, or no such line, counts as one failure).
run_counted() {
  local name="$1" script="$2" log="$LOGDIR/${1//[^a-z]/-}.log" t=$SECONDS rc p f
  echo
  echo "==> $script"
  bash "$script" "${@:3}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  read -r p f < <(tail -n 1 "$log" | sed -nE 's/^.*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
  p=${p:-0}; f=${f:-0}
  if (( rc != 0 && f == 0 )); then f=1; fi
  passed=$(( passed + p ))
  failed=$(( failed + f ))
  summary+=("$name: $p passed, $f failed, exit $rc, $(phase_time "$t")")
}

if [[ -z "${SHMRING_SKIP_PYTHON_PIP:-}" ]]; then
  run_counted "python (pip venv)" tests/install/check_python_pip.sh
fi

if [[ -z "${SHMRING_SKIP_BINDINGS:-}" ]]; then
  # shellcheck source=lib/bindings.sh
  source "$ROOT/scripts/lib/bindings.sh"
  run_rust
  run_go
  run_cross
fi

if [[ -z "${SHMRING_SKIP_PIPELINE:-}" ]]; then
  run_counted pipeline tests/pipeline/run.sh
fi

if [[ -z "${SHMRING_SKIP_PACKAGING:-}" ]]; then
  t=$SECONDS
  echo
  echo "==> scripts/package.sh $LOGDIR/dist"
  if bash scripts/package.sh "$LOGDIR/dist" 2>&1 | tee "$LOGDIR/package.log"; ((PIPESTATUS[0] == 0)); then
    summary+=("package.sh: passed, $(phase_time "$t")")
    run_counted packaging tests/packaging/run.sh "$LOGDIR/dist"
  else
    failed=$(( failed + 1 ))
    summary+=("package.sh: FAILED, $(phase_time "$t")")
  fi
fi

if [[ -z "${SHMRING_SKIP_BRIDGE:-}" ]]; then
  run_counted bridge tests/bridge/run.sh
fi

echo
echo "==> summary (logs in $LOGDIR)"
for s in "${summary[@]}"; do echo "    $s"; done
echo "    total: $(phase_time $t_all)"
echo "$passed passed, $failed failed"
(( failed == 0 ))
