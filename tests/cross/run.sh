#!/usr/bin/env bash
# tests/cross/run.sh -- every language against every other through one ring
# (see tests/cross/README.md): producer x consumer pairs, two writers in
# different languages, broadcast readers in every language at once, one
# group with members in every language, and a layout-conformance check.
# Each program is a separate OS process that opens the ring by name.
#
# Last line: "N passed, N failed" (one per run; a language that fails to
# build counts one failure and is left out). Exit status 0 only if all passed.
#
#   CROSS_LANGS="c rust go"   languages to run (default: all of ALL_LANGS)
#   PYTHON=python3.x          the interpreter of the Python venv (python/venv.sh)
#   CROSS_COUNT=2000          messages per writer
#   CARGO_TARGET_DIR          where cargo builds the Rust programs
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# The programs (readable examples of each binding) live in examples/cross.
PROGRAMS="$ROOT/examples/cross"
export PATH="$PATH:${HOME:-/root}/.cargo/bin:/root/.cargo/bin:/usr/local/go/bin"

# To add a language: append it here, write build_<lang>, and add its
# commands to producer() and consumer().
ALL_LANGS=(c python rust go)
read -r -a LANGS <<<"${CROSS_LANGS:-${ALL_LANGS[*]}}"
COUNT="${CROSS_COUNT:-2000}"
SLOT_BYTES=256
# Not a power of two: every ring below is made in one language and opened
# in the others with the exact capacity its creator asked for.
SLOT_COUNT=10

WORK="$(mktemp -d "${TMPDIR:-/tmp}/shmring-cross.XXXXXX")"
BIN="$WORK/bin"
mkdir -p "$BIN"
RUST_BIN="${CARGO_TARGET_DIR:-$ROOT/bindings/rust/target}/debug"
NONCE="$$-$(date +%s%N | tail -c 7)"
rings=0
passed=0
failed=0

build_c() {
  local obj="$WORK/c-obj"
  mkdir -p "$obj"
  (cd "$obj" && gcc -std=c11 -O2 -I"$ROOT/c/include" -c "$ROOT"/c/src/*.c && ar rcs libshmring.a ./*.o) || return 1
  for program in producer consumer locker arrays; do
    gcc -std=c11 -Wall -Wextra -Werror -O2 -I"$ROOT/c/include" "$PROGRAMS/c/$program.c" \
      "$obj/libshmring.a" -lpthread -o "$BIN/c-$program" || return 1
  done
}
# The Python programs run in a venv with `pip install ./bindings/python`
# (cached by python/venv.sh).
build_python() {
  PY="$(bash "$PROGRAMS/python/venv.sh")"
}
build_rust() {
  (cd "$ROOT/bindings/rust" && cargo build --quiet -p shmring-cross)
}
build_go() {
  (cd "$PROGRAMS/go" && go build -o "$BIN/go-producer" ./cmd/producer && go build -o "$BIN/go-consumer" ./cmd/consumer \
    && go build -o "$BIN/go-locker" ./cmd/locker && go build -o "$BIN/go-arrays" ./cmd/arrays)
}

# producer LANG NAME ARGS... / consumer LANG NAME ARGS... (see README.md)
producer() {
  local lang="$1"; shift
  case "$lang" in
    c) "$BIN/c-producer" "$@" ;;
    python) "$PY" "$PROGRAMS/python/producer.py" "$@" ;;
    rust) "$RUST_BIN/cross-producer" "$@" ;;
    go) "$BIN/go-producer" "$@" ;;
  esac
}
consumer() {
  local lang="$1"; shift
  case "$lang" in
    c) "$BIN/c-consumer" "$@" ;;
    python) "$PY" "$PROGRAMS/python/consumer.py" "$@" ;;
    rust) "$RUST_BIN/cross-consumer" "$@" ;;
    go) "$BIN/go-consumer" "$@" ;;
  esac
}

# locker LANG NAME ARGS...: the rwlock check's program (see README.md).
LOCKER_LANGS=(c python rust go)
locker() {
  local lang="$1"; shift
  case "$lang" in
    c) "$BIN/c-locker" "$@" ;;
    python) "$PY" "$PROGRAMS/python/locker.py" "$@" ;;
    rust) "$RUST_BIN/cross-locker" "$@" ;;
    go) "$BIN/go-locker" "$@" ;;
  esac
}

# arrays LANG NAME --write|--read: the array suite's program (see README.md).
arrays() {
  local lang="$1"; shift
  case "$lang" in
    c) "$BIN/c-arrays" "$@" ;;
    python) "$PY" "$PROGRAMS/python/arrays.py" "$@" ;;
    rust) "$RUST_BIN/cross-arrays" "$@" ;;
    go) "$BIN/go-arrays" "$@" ;;
  esac
}

new_ring() {
  rings=$((rings + 1))
  ring="/shmring-cross-$NONCE-$rings"
}

# Waits until a producer has created the segment (openers then wait for it
# to be initialised).
wait_segment() {
  local i
  for ((i = 0; i < 1000; i++)); do
    [[ -e "/dev/shm/${1#/}" ]] && return 0
    sleep 0.01
  done
  echo "segment $1 never appeared"
  return 1
}

# Waits for every pid; fails if any failed.
wait_all() {
  local pid rc=0
  for pid in "$@"; do wait "$pid" || rc=1; done
  return $rc
}

# One producer in $1 creates the ring; one broadcast consumer in $2.
run_pair() {
  new_ring
  producer "$1" "$ring" --id 0 --count "$COUNT" --create $SLOT_BYTES $SLOT_COUNT --readers 1 &
  local p=$!
  wait_segment "$ring" || { wait $p; return 1; }
  consumer "$2" "$ring" --writers 0 --count "$COUNT" &
  wait_all $p $!
}

# ppoll's system call number (/proc/PID/task/TID/syscall's first field).
case "$(uname -m)" in
  x86_64) PPOLL_NR=271 ;;
  aarch64) PPOLL_NR=73 ;;
  *) PPOLL_NR="" ;;
esac

# Waits (up to 30 s) until a thread of process $1 or of a child of it (a
# function run with & is a subshell) sleeps in ppoll: an open waiting for
# its ring to appear.
wait_in_ppoll() {
  local i task nr pid
  for ((i = 0; i < 3000; i++)); do
    for pid in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
      for task in /proc/"$pid"/task/*/syscall; do
        read -r nr _ <"$task" 2>/dev/null && [[ "$nr" == "$PPOLL_NR" ]] && return 0
      done
    done
    kill -0 "$1" 2>/dev/null || { echo "process $1 ended before it waited"; return 1; }
    sleep 0.01
  done
  echo "process $1 never waited for its ring"
  return 1
}

# Attach before create: the consumer in $2 starts first and waits for the
# ring to appear (its open's timeout); the producer in $1 then creates it and
# waits for that reader to join. Every message arrives.
run_consumer_first() {
  new_ring
  consumer "$2" "$ring" --writers 0 --count "$COUNT" &
  local c=$!
  wait_in_ppoll $c || { kill $c 2>/dev/null; wait $c; return 1; }
  producer "$1" "$ring" --id 0 --count "$COUNT" --create $SLOT_BYTES $SLOT_COUNT --readers 1 &
  wait_all $c $!
}

# The array suite written by $1 (it creates the ring), read by $2.
run_arrays() {
  new_ring
  arrays "$1" "$ring" --write &
  local p=$!
  wait_segment "$ring" || { wait $p; return 1; }
  arrays "$2" "$ring" --read &
  wait_all $p $!
}

# Writers in $1 (creates the ring) and $2, a broadcast consumer in $3.
run_two_writers() {
  new_ring
  producer "$1" "$ring" --id 1 --count "$COUNT" --create $SLOT_BYTES $SLOT_COUNT --readers 1 --writers 2 &
  local p1=$!
  wait_segment "$ring" || { wait $p1; return 1; }
  producer "$2" "$ring" --id 2 --count "$COUNT" --readers 1 --writers 2 &
  local p2=$!
  consumer "$3" "$ring" --writers 1,2 --count "$COUNT" &
  wait_all $p1 $p2 $!
}

# A producer in $1; a broadcast consumer in every language at once.
run_broadcast_all() {
  new_ring
  producer "$1" "$ring" --id 0 --count "$COUNT" --create $SLOT_BYTES $SLOT_COUNT --readers ${#LANGS[@]} &
  local pids=($!) lang
  wait_segment "$ring" || { wait "${pids[0]}"; return 1; }
  for lang in "${LANGS[@]}"; do
    consumer "$lang" "$ring" --writers 0 --count "$COUNT" &
    pids+=($!)
  done
  wait_all "${pids[@]}"
}

# A producer in $1; one group with a member in every language, and a
# broadcast reference consumer in $1. The members' reports together must be
# the reference's, line for line: each message exactly once in the group.
run_mixed_group() {
  new_ring
  local reports="$WORK/group-$rings" lang
  mkdir -p "$reports"
  producer "$1" "$ring" --id 0 --count "$COUNT" --create $SLOT_BYTES $SLOT_COUNT --readers $((${#LANGS[@]} + 1)) &
  local pids=($!)
  wait_segment "$ring" || { wait "${pids[0]}"; return 1; }
  consumer "$1" "$ring" --writers 0 --count "$COUNT" --report "$reports/reference" &
  pids+=($!)
  for lang in "${LANGS[@]}"; do
    consumer "$lang" "$ring" --writers 0 --count "$COUNT" --group mixed --report "$reports/member-$lang" &
    pids+=($!)
  done
  wait_all "${pids[@]}" || return 1
  if ! diff <(sort "$reports/reference") <(cat "$reports"/member-* | sort) >"$reports/diff"; then
    echo "the group's messages differ from the reference reader's (< missing, > extra or repeated):"
    head -20 "$reports/diff"
    return 1
  fi
  echo "group: $(wc -l <"$reports/reference") messages, each to exactly one member ($(wc -l "$reports"/member-* | head -n -1 | awk '{printf "%s ", $1}'))"
}

# A ring of 13 slots (a slot array of 16) created by $1; every language's
# --info line must be identical and show the geometry asked for.
run_layout() {
  new_ring
  producer "$1" "$ring" --id 0 --count 0 --create 200 13 || return 1
  local lang line first="" rc=0
  local want="slot_bytes=200 slot_count=13 max_writers=64 max_readers=128 max_groups=32 layout_version=2 "
  for lang in "${LANGS[@]}"; do
    line="$(consumer "$lang" "$ring" --info)" || return 1
    echo "$lang: $line"
    [[ "$line" == "$want"* ]] || { echo "$lang: expected it to start with '$want'"; rc=1; }
    [[ -z "$first" || "$line" == "$first" ]] || { echo "$lang differs from ${LANGS[0]}"; rc=1; }
    first="${first:-$line}"
  done
  return $rc
}

# Waits up to 10 s for a file.
wait_file() {
  local i
  for ((i = 0; i < 1000; i++)); do
    [[ -e "$1" ]] && return 0
    sleep 0.01
  done
  echo "$1 never appeared"
  return 1
}

# A lock created by $1, which holds it exclusively; the lockers of the other
# arguments (every language with one) each fail to get a shared and an
# exclusive hold within 100 ms, and see it held exclusively; then, all
# waiting for a shared hold when $1 lets go, they all get one and hold it
# until each has seen them all in the lock's state; finally one takes it
# exclusively.
run_rwlock() {
  new_ring
  local holder="$1" flags="$WORK/lock-$rings" lang pids=()
  shift
  mkdir -p "$flags"
  locker "$holder" "$ring" --create --exclusive --timeout 0 --ready "$flags/held" --until "$flags/release" &
  local h=$!
  wait_file "$flags/held" || { touch "$flags/release"; wait $h; return 1; }
  for lang in "$@"; do
    locker "$lang" "$ring" --shared --timeout 100 --busy || { touch "$flags/release"; wait $h; return 1; }
    locker "$lang" "$ring" --exclusive --timeout 100 --busy || { touch "$flags/release"; wait $h; return 1; }
  done
  for lang in "$@"; do
    locker "$lang" "$ring" --shared --timeout 10000 --wait-shared $# \
      --ready "$flags/saw-$lang" --until "$flags/done" &
    pids+=($!)
  done
  # Let go only once every locker waits for its shared hold (observed).
  "$PY" "$ROOT/tests/cross/await_waiters.py" "$ring" $# || { touch "$flags/release" "$flags/done"; wait_all $h "${pids[@]}"; return 1; }
  touch "$flags/release"
  for lang in "$@"; do
    wait_file "$flags/saw-$lang" || break
  done
  touch "$flags/done"
  wait_all $h "${pids[@]}" || return 1
  locker "$1" "$ring" --exclusive --timeout 1000
}

# run TITLE FUNCTION ARGS...: one counted test; output shown on failure.
run() {
  local title="$1"; shift
  local log="$WORK/log-$((passed + failed))" t=$SECONDS
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "PASS  $title ($((SECONDS - t))s)"
  else
    failed=$((failed + 1))
    echo "FAIL  $title"
    sed 's/^/      /' "$log"
  fi
  rm -f "/dev/shm/${ring#/}"
}

cleanup() {
  rm -f /dev/shm/shmring-cross-"$NONCE"-*
  rm -rf "$WORK"
}
trap cleanup EXIT

built=()
for lang in "${LANGS[@]}"; do
  if "build_$lang" >"$WORK/build-$lang.log" 2>&1; then
    built+=("$lang")
  else
    failed=$((failed + 1))
    echo "FAIL  build $lang (left out)"
    sed 's/^/      /' "$WORK/build-$lang.log"
  fi
done
LANGS=("${built[@]}")
n=${#LANGS[@]}
echo "==> languages: ${LANGS[*]}; $COUNT messages per writer, $SLOT_COUNT slots of $SLOT_BYTES bytes"

for p in "${LANGS[@]}"; do
  for q in "${LANGS[@]}"; do
    run "pair $p -> $q" run_pair "$p" "$q"
  done
done
if [[ -n "$PPOLL_NR" ]]; then
  for ((i = 0; i < n; i++)); do
    p="${LANGS[(i + 1) % n]}" q="${LANGS[i]}"
    run "attach before create: consumer $q first, producer $p" run_consumer_first "$p" "$q"
  done
fi
for p in "${LANGS[@]}"; do
  for q in "${LANGS[@]}"; do
    run "arrays $p -> $q" run_arrays "$p" "$q"
  done
done
if ((n >= 2)); then
  for ((i = 0; i < n; i++)); do
    a="${LANGS[i]}" b="${LANGS[(i + 1) % n]}" c="${LANGS[(i + 2) % n]}"
    run "two writers $a + $b -> $c" run_two_writers "$a" "$b" "$c"
  done
fi
for p in "${LANGS[@]}"; do
  run "broadcast $p -> ${LANGS[*]}" run_broadcast_all "$p"
  run "group of ${LANGS[*]} fed by $p" run_mixed_group "$p"
  run "layout of a ring created by $p" run_layout "$p"
done

lockers=()
for lang in "${LANGS[@]}"; do
  [[ " ${LOCKER_LANGS[*]} " == *" $lang "* ]] && lockers+=("$lang")
done
if ((${#lockers[@]} >= 2)); then
  for h in "${lockers[@]}"; do
    run "rwlock held by $h, taken by ${lockers[*]}" run_rwlock "$h" "${lockers[@]}"
  done
fi

echo "$passed passed, $failed failed"
((failed == 0))
