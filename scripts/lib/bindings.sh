# Sourced by scripts/test.sh: the Rust and Go bindings' own tests and the
# cross-language tests. Each function adds to `passed`, `failed` and
# `summary` (defined by test.sh) and logs into $LOGDIR.
#
# Cargo builds into $CARGO_TARGET_DIR (default: a cache dir outside the tree,
# so a second run skips the bindgen build); Go uses its own build cache.

_shmring_cache="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-${TMPDIR:-/tmp}}/.cache}/shmring}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$_shmring_cache/cargo-target}"
for _dir in "${HOME:-/root}/.cargo/bin" /root/.cargo/bin /usr/local/go/bin; do
  [[ -d "$_dir" && ":$PATH:" != *":$_dir:"* ]] && PATH="$PATH:$_dir"
done
export PATH

# tally NAME PASSED FAILED RC SECONDS: add a phase's counts; a nonzero exit
# with no failing test counted (e.g. a build error) counts as one failure.
tally() {
  local name="$1" p="$2" f="$3" rc="$4" t="$5"
  if ((rc != 0 && f == 0)); then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  summary+=("$name: $p passed, $f failed, exit $rc, $(phase_time "$t")")
}

# require TOOL PHASE: a missing toolchain is a failure, not a silent skip.
require() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "$1 not found (looked in PATH, ~/.cargo/bin, /root/.cargo/bin, /usr/local/go/bin)" >&2
  tally "$2" 0 1 127 "$SECONDS"
  return 1
}

run_rust() {
  local log="$LOGDIR/cargo-test.log" t=$SECONDS rc p f
  echo
  echo "==> cargo test; cargo clippy --all-targets -- -D warnings   [bindings/rust]"
  require cargo "rust" || return
  (cd bindings/rust && cargo test --locked 2>&1) | tee "$log"
  rc=${PIPESTATUS[0]}
  # The committed FFI against a fresh bindgen run (feature bindgen, libclang).
  (cd bindings/rust && cargo test --locked -p shmring-sys --features bindgen --test bindings 2>&1) | tee -a "$log"
  ((PIPESTATUS[0] == 0)) || rc=1
  # "test result: ok. 8 passed; 0 failed; ..." per test binary and doc tests
  p="$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')"
  f="$(grep -oE '; [0-9]+ failed' "$log" | awk '{s += $2} END {print s + 0}')"
  tally "cargo test" "$p" "$f" "$rc" "$t"
  t=$SECONDS
  (cd bindings/rust && cargo clippy --locked --all-targets -- -D warnings 2>&1) | tee "$LOGDIR/clippy.log"
  rc=${PIPESTATUS[0]}
  tally "cargo clippy" $((rc == 0 ? 1 : 0)) $((rc == 0 ? 0 : 1)) "$rc" "$t"
}

run_go() {
  local t=$SECONDS rc p f module
  echo
  echo "==> go vet ./...; go test -race ./...   [bindings/go, examples/cross/go, examples/pipeline/liveview, bench/go]"
  require go "go" || return
  rc=0
  for module in bindings/go examples/cross/go examples/pipeline/liveview bench/go; do
    (cd "$module" && go vet ./...) || rc=1
  done
  tally "go vet" $((rc == 0 ? 1 : 0)) $((rc == 0 ? 0 : 1)) "$rc" "$t"
  t=$SECONDS
  rc=0
  : >"$LOGDIR/go-test.log"
  for module in bindings/go examples/pipeline/liveview bench/go; do
    (cd "$module" && go test -race -count=1 -v ./... 2>&1) | tee -a "$LOGDIR/go-test.log"
    ((PIPESTATUS[0] == 0)) || rc=1
  done
  p="$(grep -cE '^--- PASS' "$LOGDIR/go-test.log")"
  f="$(grep -cE '^--- FAIL' "$LOGDIR/go-test.log")"
  tally "go test -race" "$p" "$f" "$rc" "$t"
}

run_cross() {
  local log="$LOGDIR/cross.log" t=$SECONDS rc p f
  echo
  echo "==> tests/cross/run.sh"
  bash tests/cross/run.sh 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  read -r p f < <(tail -n 1 "$log" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
  tally "cross-language" "${p:-0}" "${f:-0}" "$rc" "$t"
}
