#!/usr/bin/env bash
# tests/bridge/run.sh -- shmring-bridge between two "hosts" (tests/bridge/README.md).
#
# Host A and host B are two network namespaces joined by a veth pair (needs
# root and `ip netns`); where that is unavailable both are this host on
# loopback TCP, and the output says so. /dev/shm is shared either way, so
# ring A and ring B are simply two rings. Every case runs with the normal
# build of the bridge and again with the ASan+UBSan build.
#
# Last line: "bridge: N passed, N failed". Events are ordered by observed
# state (observe.py: stats files, log lines, ring statistics), never by sleeps.
#
#   BRIDGE_CONFIGS="default asan"   which builds of the bridge to run
#   BRIDGE_CASES="..."              which cases (default: all, see CASES below)
#   BRIDGE_KEEP=1                   keep the work directory (logs, stats files)
#   BRIDGE_LOOPBACK=1               loopback TCP even where namespaces would work
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CROSS="$ROOT/examples/cross"
export PATH="$PATH:${HOME:-/root}/.cargo/bin:/root/.cargo/bin:/usr/local/go/bin"
_cache="${SHMRING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/shmring}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$_cache/cargo-target}"
# shellcheck source=../../scripts/lib/bazel.sh
source "$ROOT/scripts/lib/bazel.sh"

CASES=(python_to_rust_go curve_frames back_pressure restart_sender restart_receiver lossy
       unauthorized_key wrong_server_key garbage malformed bad_input)
read -r -a RUN_CASES <<<"${BRIDGE_CASES:-${CASES[*]}}"
read -r -a CONFIGS <<<"${BRIDGE_CONFIGS:-default asan}"
GUARD=120   # seconds: the hang guard of every wait
WORK="$(mktemp -d "${TMPDIR:-/tmp}/shmring-bridge.XXXXXX")"
BIN="$WORK/bin"
mkdir -p "$BIN"
NONCE="$$"
PREFIX="shmring-bridge-test-$NONCE"
passed=0
failed=0
PIDS=()
NS_A="" NS_B=""

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  [[ -n "$NS_A" ]] && ip netns del "$NS_A" 2>/dev/null
  [[ -n "$NS_B" ]] && ip netns del "$NS_B" 2>/dev/null
  rm -f /dev/shm/"$PREFIX"-*
  if [[ -n "${BRIDGE_KEEP:-}" ]]; then echo "bridge: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ---- the two hosts -----------------------------------------------------------
setup_hosts() {
  local a="shmb-a-$NONCE" b="shmb-b-$NONCE" va="vba$NONCE" vb="vbb$NONCE" net
  net="10.$((200 + NONCE % 50)).$(( (NONCE / 50) % 250 ))"
  if [[ -z "${BRIDGE_LOOPBACK:-}" && $(id -u) -eq 0 ]] && command -v ip >/dev/null &&
     ip netns add "$a" 2>/dev/null && NS_A="$a" && ip netns add "$b" 2>/dev/null && NS_B="$b" &&
     ip link add "$va" type veth peer name "$vb" 2>/dev/null &&
     ip link set "$va" netns "$a" && ip link set "$vb" netns "$b" &&
     ip -n "$a" addr add "$net.1/30" dev "$va" && ip -n "$b" addr add "$net.2/30" dev "$vb" &&
     ip -n "$a" link set lo up && ip -n "$b" link set lo up &&
     ip -n "$a" link set "$va" up && ip -n "$b" link set "$vb" up; then
    ON_A=(nsenter "--net=/run/netns/$a")
    ON_B=(nsenter "--net=/run/netns/$b")
    ADDR_B="$net.2"
    echo "bridge: host A = netns $a ($net.1), host B = netns $b ($ADDR_B), joined by veth"
  else
    [[ -n "$NS_A" ]] && ip netns del "$NS_A" 2>/dev/null
    [[ -n "$NS_B" ]] && ip netns del "$NS_B" 2>/dev/null
    NS_A="" NS_B=""
    ON_A=()
    ON_B=()
    ADDR_B="127.0.0.1"
    echo "bridge: network namespaces unavailable (needs root and ip netns${BRIDGE_LOOPBACK:+; BRIDGE_LOOPBACK set}): hosts A and B are both this host, over loopback TCP"
  fi
}

# ---- programs ----------------------------------------------------------------
build() {
  local obj="$WORK/c-obj" cfg
  mkdir -p "$obj"
  (cd "$obj" && gcc -std=c11 -O2 -I"$ROOT/c/include" -c "$ROOT"/c/src/*.c && ar rcs libshmring.a ./*.o) || return 1
  for program in producer consumer; do
    gcc -std=c11 -Wall -Wextra -Werror -O2 -I"$ROOT/c/include" "$CROSS/c/$program.c" \
      "$obj/libshmring.a" -lpthread -o "$BIN/c-$program" || return 1
  done
  PY="$(bash "$CROSS/python/venv.sh")" || return 1
  (cd "$ROOT/bindings/rust" && cargo build --quiet -p shmring-cross) || return 1
  RUST_CONSUMER="$CARGO_TARGET_DIR/debug/cross-consumer"
  (cd "$CROSS/go" && go build -o "$BIN/go-consumer" ./cmd/consumer) || return 1
  for cfg in "${CONFIGS[@]}"; do
    local flags=()
    [[ "$cfg" != default ]] && flags=("--config=$cfg")
    (cd "$ROOT" && bz build "${flags[@]}" //tools/bridge:shmring-bridge) || return 1
    cp "$ROOT/bazel-bin/tools/bridge/shmring-bridge" "$BIN/shmring-bridge-$cfg" || return 1
  done
}

# "${ON_A[@]}" CMD / "${ON_B[@]}" CMD run CMD on host A / B: nsenter execs
# CMD, so a background job's $! is the program itself (signals reach it).
observe() { "$PY" "$HERE/observe.py" --timeout "$GUARD" "$@"; }

# reap PID...: waits for each (bounded by GUARD: a hang is killed and fails).
reap() {
  local pid rc=0 t
  for pid in "$@"; do
    for ((t = 0; t < GUARD * 100; t++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.01
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "process $pid still running after ${GUARD}s: killed"
      kill -KILL "$pid"
      rc=1
    fi
    wait "$pid"
    local status=$?
    ((status == 0)) || { echo "process $pid exited with status $status"; rc=1; }
  done
  return $rc
}
start() { "$@" & PIDS+=($!); }

port=$((20000 + NONCE % 20000))
new_case() {
  port=$((port + 1))
  RING_A="/$PREFIX-$1-a"
  RING_B="/$PREFIX-$1-b"
  D="$WORK/$CFG-$1"
  mkdir -p "$D"
  TO="tcp://$ADDR_B:$port"
  BIND="tcp://$ADDR_B:$port"
}
fail() { echo "FAIL: $*"; return 1; }
json() { "$PY" "$HERE/observe.py" get "$1" "$2"; }

make_keys() {
  local keygen="$BIN/shmring-bridge-${CONFIGS[0]}"
  (cd "$WORK" && "$keygen" keygen server >/dev/null && "$keygen" keygen client >/dev/null &&
    "$keygen" keygen stranger >/dev/null)
  SERVER_KEYS=(--key "$WORK/server.key" --allow "$WORK/client.pub")
  CLIENT_KEYS=(--key "$WORK/client.key" --server-key "$WORK/server.pub")
}

# The receiver on B writing into RING_B (created SLOTS), waiting for N readers.
start_receiver() {
  local geometry="$1" readers="$2" stats="$3"; shift 3
  "${ON_B[@]}" "$BRIDGE" recv --bind "$BIND" --ring "$RING_B" --create "$geometry" \
    --wait-readers "$readers" --stats-file "$stats" "$@" 2>>"$D/recv.log" &
  RECV=$!
  PIDS+=("$RECV")
}
start_sender() {
  local stats="$1"; shift
  "${ON_A[@]}" "$BRIDGE" send --ring "$RING_A" --to "$TO" --wait 30 --stats-file "$stats" "$@" 2>>"$D/send.log" &
  SEND=$!
  PIDS+=("$SEND")
}
wait_segment() {
  local t
  for ((t = 0; t < GUARD * 100; t++)); do [[ -e "/dev/shm/${1#/}" ]] && return 0; sleep 0.01; done
  fail "segment $1 never appeared"
}
# The report of a group-of-one consumer: messages received, each checked.
report_lines() { wc -l <"$1"; }

# ---- cases -------------------------------------------------------------------

# A Python producer on A; Rust and Go consumers on B check every message
# and the whole stream; CURVE with keys.
case_python_to_rust_go() {
  new_case python_to_rust_go
  local n=3000
  start_receiver 256x8 2 "$D/recv.json" "${SERVER_KEYS[@]}"
  wait_segment "$RING_B" || return 1
  "${ON_B[@]}" "$RUST_CONSUMER" "$RING_B" --writers 0 --count $n >"$D/rust.log" 2>&1 &
  local rust=$!
  "${ON_B[@]}" "$BIN/go-consumer" "$RING_B" --writers 0 --count $n >"$D/go.log" 2>&1 &
  local go=$!
  PIDS+=("$rust" "$go")
  "${ON_A[@]}" "$PY" "$CROSS/python/producer.py" "$RING_A" --id 0 --count $n --create 256 8 --readers 1 >"$D/producer.log" 2>&1 &
  local producer=$!
  PIDS+=("$producer")
  wait_segment "$RING_A" || return 1
  start_sender "$D/send.json" "${CLIENT_KEYS[@]}"
  reap "$producer" || fail "python producer: $(cat "$D/producer.log")" || return 1
  reap "$rust" || fail "rust consumer: $(cat "$D/rust.log")" || return 1
  reap "$go" || fail "go consumer: $(cat "$D/go.log")" || return 1
  reap "$SEND" "$RECV" || fail "bridge exit status" || return 1
  [[ "$(json "$D/recv.json" messages)" == "$n" && "$(json "$D/recv.json" gaps)" == 0 &&
     "$(json "$D/recv.json" duplicates)" == 0 && "$(json "$D/recv.json" auth_accepted)" -ge 1 ]] ||
    fail "receiver stats: $(cat "$D/recv.json")" || return 1
  echo "  $(tail -n 1 "$D/rust.log"); $(tail -n 1 "$D/go.log")"
}

# 1080p-sized messages (zero-copy frames of their own) under CURVE: each
# frame is bigger encrypted than the slot; every message checked.
case_curve_frames() {
  new_case curve_frames
  local n=60
  start_receiver 6220800x4 1 "$D/recv.json" "${SERVER_KEYS[@]}"
  wait_segment "$RING_B" || return 1
  "${ON_B[@]}" "$BIN/c-consumer" "$RING_B" --writers 0 --count $n >"$D/consumer.log" 2>&1 &
  local consumer=$!
  "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count $n --create 6220800 4 --readers 1 >"$D/producer.log" 2>&1 &
  local producer=$!
  PIDS+=("$consumer" "$producer")
  wait_segment "$RING_A" || return 1
  start_sender "$D/send.json" "${CLIENT_KEYS[@]}"
  reap "$producer" "$consumer" || fail "$(cat "$D/producer.log" "$D/consumer.log")" || return 1
  reap "$SEND" "$RECV" || fail "bridge exit status" || return 1
  [[ "$(json "$D/recv.json" messages)" == "$n" && "$(json "$D/send.json" zero_copy)" -gt 0 &&
     "$(json "$D/send.json" connects)" == 1 ]] ||
    fail "stats: $(cat "$D/send.json" "$D/recv.json")" || return 1
  echo "  $(tail -n 1 "$D/consumer.log"); $(json "$D/send.json" zero_copy) frames sent zero-copy"
}

# A consumer on B that reads nothing fills ring B; the receiver blocks, the
# sender's socket reaches its HWM, ring A fills and the producer on A waits.
# Then the consumer reads: every message arrives, checked, none lost.
case_back_pressure() {
  new_case back_pressure
  local n=3000
  start_receiver 65536x8 2 "$D/recv.json" --hwm 2 --insecure
  wait_segment "$RING_B" || return 1
  "${ON_B[@]}" "$PY" "$HERE/hold_reader.py" "$RING_B" "$D/resume" >"$D/hold.log" 2>&1 &
  local hold=$!
  "${ON_B[@]}" "$BIN/c-consumer" "$RING_B" --writers 0 --count $n >"$D/consumer.log" 2>&1 &
  local consumer=$!
  PIDS+=("$hold" "$consumer")
  "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count $n --create 65536 8 --readers 1 >"$D/producer.log" 2>&1 &
  local producer=$!
  PIDS+=("$producer")
  wait_segment "$RING_A" || return 1
  start_sender "$D/send.json" --insecure --hwm 2 --batch 4
  # Both rings full and their writers asleep for space: the producer on A
  # is held back by the consumer on B.
  observe full "$RING_B" || return 1
  observe full "$RING_A" || return 1
  kill -0 "$producer" 2>/dev/null || fail "the producer finished although the far consumer read nothing" || return 1
  local held; held="$(json "$D/recv.json" messages)"
  touch "$D/resume"
  reap "$producer" "$consumer" "$hold" || fail "$(cat "$D/producer.log" "$D/consumer.log" "$D/hold.log")" || return 1
  reap "$SEND" "$RECV" || fail "bridge exit status" || return 1
  [[ "$(json "$D/recv.json" messages)" == "$n" && "$(json "$D/recv.json" gaps)" == 0 ]] ||
    fail "receiver stats: $(cat "$D/recv.json")" || return 1
  echo "  held at $held of $n messages while the consumer paused; then $(tail -n 1 "$D/consumer.log")"
}

# Both rings full (a consumer on B holds ring B back): the receiver and the
# sender are blocked mid-stream. hold_stream starts that, in_flight waits
# for it.
hold_stream() {
  local n="$1" recv_stats="$2"
  start_receiver 4096x64 2 "$recv_stats" --insecure
  wait_segment "$RING_B" || return 1
  "${ON_B[@]}" "$BIN/c-consumer" "$RING_B" --writers 0 --count "$n" --group g --report "$D/report" >"$D/consumer.log" 2>&1 &
  CONSUMER=$!
  "${ON_B[@]}" "$PY" "$HERE/hold_reader.py" "$RING_B" "$D/resume" >"$D/hold.log" 2>&1 &
  HOLD=$!
  "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count "$n" --create 4096 64 --readers 1 >"$D/producer.log" 2>&1 &
  PRODUCER=$!
  PIDS+=("$CONSUMER" "$HOLD" "$PRODUCER")
  wait_segment "$RING_A" || return 1
  start_sender "$D/send.json" --insecure
}
in_flight() {
  observe full "$RING_B" && observe full "$RING_A" || return 1
  kill -0 "$PRODUCER" 2>/dev/null || fail "the producer finished while both rings were full"
}
finish_stream() {
  touch "$D/resume"
  reap "$PRODUCER" "$CONSUMER" "$HOLD" || fail "$(cat "$D/producer.log" "$D/consumer.log" "$D/hold.log")" || return 1
  reap "$SEND" "$RECV" || fail "bridge exit status" || return 1
}

# A sender killed (SIGKILL) mid-stream and restarted: what it had not
# delivered (read or not yet read) is a gap, counted exactly: received +
# gaps == written, no duplicates, every received message checked and in
# order.
case_restart_sender() {
  new_case restart_sender
  local n=50000
  hold_stream $n "$D/recv.json" || return 1
  in_flight || return 1
  kill -KILL "$SEND"
  wait "$SEND" 2>/dev/null
  start_sender "$D/send2.json" --insecure
  finish_stream || return 1
  local got gaps dups stale
  got="$(report_lines "$D/report")"
  gaps="$(json "$D/recv.json" gaps)"
  dups="$(json "$D/recv.json" duplicates)"
  stale="$(json "$D/recv.json" stale)"
  ((got + gaps == n && dups == 0 && gaps >= 64)) ||
    fail "received $got + gaps $gaps != $n written (duplicates $dups; a full ring A of 64 was lost)" || return 1
  echo "  $got received + $gaps counted as gaps == $n written; duplicates 0; late from the killed sender, dropped: $stale"
}

# A receiver killed (SIGKILL) mid-stream and restarted on the same ring:
# the sender reconnects by itself; what the dead receiver had taken and not
# written is lost (documented); the new receiver counts from its first
# message exactly.
case_restart_receiver() {
  new_case restart_receiver
  local n=50000
  hold_stream $n "$D/recv1.json" || return 1
  local recv1=$RECV
  in_flight || return 1
  kill -KILL "$recv1"
  wait "$recv1" 2>/dev/null
  : >"$D/recv.log"
  start_receiver 4096x64 0 "$D/recv2.json" --insecure
  finish_stream || return 1
  local got first written gaps
  got="$(report_lines "$D/report")"
  first="$(sed -nE 's/.*new source [0-9a-f]+ starting at sequence ([0-9]+).*/\1/p' "$D/recv.log" | head -n 1)"
  written="$(json "$D/recv2.json" messages)"
  gaps="$(json "$D/recv2.json" gaps)"
  [[ -n "$first" ]] || fail "the new receiver logged no first sequence" || return 1
  ((written + gaps == n - first)) || fail "new receiver: $written written + $gaps gaps != $n - $first" || return 1
  ((got - written <= first)) || fail "consumer got $got, $written of them from the new receiver" || return 1
  [[ "$(json "$D/send.json" connects)" -ge 2 ]] || fail "the sender did not reconnect" || return 1
  echo "  the dead receiver wrote $((got - written)); lost with it: $((first - (got - written))) (documented); the new one from sequence $first: $written written + $gaps gaps"
}

# A lossy sender never holds the producer back; the receiver counts what it
# skipped as gaps (at least what the source's reader reported missed);
# what arrives is intact and in order.
case_lossy() {
  new_case lossy
  local n=20000
  start_receiver 256x64 1 "$D/recv.json" --insecure
  wait_segment "$RING_B" || return 1
  "${ON_B[@]}" "$BIN/c-consumer" "$RING_B" --writers 0 --count $n --group g --report "$D/report" >"$D/consumer.log" 2>&1 &
  local consumer=$!
  PIDS+=("$consumer")
  "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count $n --create 256 8 --readers 1 >"$D/producer.log" 2>&1 &
  local producer=$!
  PIDS+=("$producer")
  wait_segment "$RING_A" || return 1
  start_sender "$D/send.json" --lossy --insecure --hwm 1 --batch 1
  reap "$producer" "$consumer" || fail "$(cat "$D/producer.log" "$D/consumer.log")" || return 1
  reap "$SEND" "$RECV" || fail "bridge exit status" || return 1
  local got gaps missed
  got="$(report_lines "$D/report")"
  gaps="$(json "$D/recv.json" gaps)"
  missed="$(json "$D/recv.json" source_missed)"
  ((got + gaps == n && got > 0 && gaps >= missed)) ||
    fail "received $got + gaps $gaps != $n (source missed $missed)" || return 1
  echo "  $got received + $gaps skipped (gaps) == $n; the source's reader reported $missed missed"
}

# A sender whose key is not in --allow: refused with a log line, nothing
# reaches the ring.
case_unauthorized_key() {
  new_case unauthorized_key
  start_receiver 256x8 0 "$D/recv.json" "${SERVER_KEYS[@]}"
  wait_segment "$RING_B" || return 1
  "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count 1000 --create 256 8 --readers 1 >"$D/producer.log" 2>&1 &
  local producer=$!
  PIDS+=("$producer")
  wait_segment "$RING_A" || return 1
  start_sender "$D/send.json" --key "$WORK/stranger.key" --server-key "$WORK/server.pub"
  local stranger; stranger="$(cat "$WORK/stranger.pub")"
  observe log "$D/recv.log" "refused client key $stranger" || return 1
  observe log "$D/send.log" "does not accept this key" || return 1
  kill -TERM "$SEND" "$RECV"
  reap "$SEND" "$RECV" || fail "bridge exit status after SIGTERM" || return 1
  kill -KILL "$producer"; wait "$producer" 2>/dev/null
  [[ "$(json "$D/recv.json" messages)" == 0 && "$(json "$D/recv.json" auth_refused)" -ge 1 ]] ||
    fail "receiver stats: $(cat "$D/recv.json")" || return 1
  echo "  $(grep -m1 'refused client key' "$D/recv.log")"
}

# A sender with a wrong server key: the handshake fails, logged on both sides.
case_wrong_server_key() {
  new_case wrong_server_key
  start_receiver 256x8 0 "$D/recv.json" "${SERVER_KEYS[@]}"
  wait_segment "$RING_B" || return 1
  "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count 1000 --create 256 8 --readers 1 >"$D/producer.log" 2>&1 &
  local producer=$!
  PIDS+=("$producer")
  wait_segment "$RING_A" || return 1
  start_sender "$D/send.json" --key "$WORK/client.key" --server-key "$WORK/stranger.pub"
  observe log "$D/recv.log" "cryptographic error" || return 1
  observe log "$D/send.log" "a wrong --server-key" || return 1
  kill -TERM "$SEND" "$RECV"
  reap "$SEND" "$RECV" || fail "bridge exit status after SIGTERM" || return 1
  kill -KILL "$producer"; wait "$producer" 2>/dev/null
  [[ "$(json "$D/recv.json" messages)" == 0 && "$(json "$D/recv.json" handshake_failed)" -ge 1 ]] ||
    fail "receiver stats: $(cat "$D/recv.json")" || return 1
  echo "  $(grep -m1 'cryptographic' "$D/recv.log")"
}

# Garbage bytes on the port of a CURVE and of a plaintext receiver: dropped
# with a log line; afterwards a real sender still gets everything through.
case_garbage() {
  new_case garbage
  local n=2000 mode
  for mode in curve plain; do
    [[ $mode == plain ]] && { new_case garbage-plain; }
    local keys=("${SERVER_KEYS[@]}") ckeys=("${CLIENT_KEYS[@]}")
    [[ $mode == plain ]] && { keys=(--insecure); ckeys=(--insecure); }
    start_receiver 256x8 1 "$D/recv.json" "${keys[@]}"
    wait_segment "$RING_B" || return 1
    "${ON_B[@]}" "$BIN/c-consumer" "$RING_B" --writers 0 --count $n >"$D/consumer.log" 2>&1 &
    local consumer=$!
    PIDS+=("$consumer")
    observe log "$D/recv.log" "listening on" || return 1
    "${ON_A[@]}" "$PY" "$HERE/garbage.py" "$ADDR_B" "$port" >"$D/garbage.log" 2>&1 || fail "garbage.py: $(cat "$D/garbage.log")" || return 1
    # Plaintext: libzmq may take random bytes for a ZMTP 1.0 peer and pass
    # them on as frames; the wire check refuses those (logged, counted).
    observe log "$D/recv.log" "handshake" || return 1
    observe json "$D/recv.json" messages eq 0 || fail "garbage reached the ring" || return 1
    "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count $n --create 256 8 --readers 1 >"$D/producer.log" 2>&1 &
    local producer=$!
    PIDS+=("$producer")
    wait_segment "$RING_A" || return 1
    start_sender "$D/send.json" "${ckeys[@]}"
    reap "$producer" "$consumer" || fail "$(cat "$D/producer.log" "$D/consumer.log")" || return 1
    reap "$SEND" "$RECV" || fail "bridge exit status" || return 1
    [[ "$(json "$D/recv.json" messages)" == "$n" ]] || fail "receiver stats: $(cat "$D/recv.json")" || return 1
    echo "  $mode: $(grep -m1 'handshake' "$D/recv.log" | sed 's/^shmring-bridge //'); refused batches: $(json "$D/recv.json" refused_batches)"
  done
}

# Malformed, oversized, replayed and gapped batches from a hand-made sender:
# refused and counted, never written; the consumer gets exactly the valid ones.
case_malformed() {
  new_case malformed
  start_receiver 256x64 1 "$D/recv.json" --insecure
  wait_segment "$RING_B" || return 1
  "${ON_B[@]}" "$BIN/c-consumer" "$RING_B" --writers 0 --count 100 --group g --report "$D/report" >"$D/consumer.log" 2>&1 &
  local consumer=$!
  PIDS+=("$consumer")
  "${ON_A[@]}" /usr/bin/python3 "$HERE/malformed_sender.py" "$TO" 256 "$D/expected" >"$D/sender.log" 2>&1 ||
    fail "malformed_sender.py: $(cat "$D/sender.log")" || return 1
  reap "$consumer" "$RECV" || fail "$(cat "$D/consumer.log")" || return 1
  cmp -s "$D/report" "$D/expected" || fail "the consumer got $(wc -l <"$D/report") messages, not exactly the valid ones" || return 1
  local want got key
  want="$(sed -n 's/^expect //p' "$D/sender.log")"
  for key in $want; do
    got="$(json "$D/recv.json" "${key%=*}")"
    [[ "$got" == "${key#*=}" ]] || fail "receiver ${key%=*} = $got, want ${key#*=}: $(cat "$D/recv.json")" || return 1
  done
  echo "  $want; refusals logged: $(grep -c 'refused a batch' "$D/recv.log")"
}

# Clear errors: a missing ring, a bad address, plaintext off loopback,
# an unreachable host (reported, retried, stopped by SIGINT).
case_bad_input() {
  new_case bad_input
  local out
  out="$("${ON_A[@]}" "$BRIDGE" send --ring "$RING_A" --to "$TO" --insecure 2>&1)"
  [[ $? == 2 && "$out" == *"cannot open ring $RING_A"* ]] || fail "missing ring: $out" || return 1
  "${ON_A[@]}" "$BIN/c-producer" "$RING_A" --id 0 --count 1 --create 256 8 --readers 2 >/dev/null 2>&1 &
  local producer=$!
  PIDS+=("$producer")
  wait_segment "$RING_A" || return 1
  out="$("${ON_A[@]}" "$BRIDGE" send --ring "$RING_A" --to "tcp://nonsense" --insecure 2>&1)"
  [[ $? == 2 && "$out" == *"bad address tcp://nonsense"* ]] || fail "bad address: $out" || return 1
  out="$("${ON_A[@]}" "$BRIDGE" send --ring "$RING_A" --to "tcp://10.0.0.1:1" 2>&1)"
  [[ $? == 2 && "$out" == *"not a loopback address"*"--insecure"* ]] || fail "plaintext refused: $out" || return 1
  out="$("${ON_B[@]}" "$BRIDGE" recv --ring "$RING_B" --bind "$BIND" --create 0x8 2>&1)"
  [[ $? == 2 && "$out" == *"--create wants SLOT_BYTESxSLOT_COUNT"* ]] || fail "bad geometry: $out" || return 1
  # Nobody listens on B's port: reported, retried with back-off, and
  # SIGINT still stops the sender cleanly.
  start_sender "$D/send.json" --insecure
  observe log "$D/send.log" "no connection to $TO" || return 1
  kill -INT "$SEND"
  reap "$SEND" || fail "sender exit status after SIGINT" || return 1
  kill -KILL "$producer"; wait "$producer" 2>/dev/null
  echo "  $(grep -m1 'no connection to' "$D/send.log" | sed 's/^shmring-bridge //')"
}

# ---- main ----------------------------------------------------------------------
setup_hosts
echo "bridge: building (C core, cross-language consumers, the bridge in: ${CONFIGS[*]})"
if ! build >"$WORK/build.log" 2>&1; then
  cat "$WORK/build.log"
  echo "bridge: 0 passed, 1 failed"
  exit 1
fi
make_keys || { echo "bridge: keygen failed"; echo "bridge: 0 passed, 1 failed"; exit 1; }
for CFG in "${CONFIGS[@]}"; do
  BRIDGE="$BIN/shmring-bridge-$CFG"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  for c in "${RUN_CASES[@]}"; do
    echo "--- $c [$CFG]"
    if "case_$c" && ! grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK/$CFG-$c"*/*.log 2>/dev/null | grep -q .; then
      echo "ok   $c [$CFG]"
      passed=$((passed + 1))
    else
      for f in "$WORK/$CFG-${c}"*/*.log; do [[ -s "$f" ]] && { echo "  == $f"; tail -n 30 "$f"; }; done
      echo "FAIL $c [$CFG]"
      failed=$((failed + 1))
    fi
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    PIDS=()
    rm -f /dev/shm/"$PREFIX"-*
  done
done
echo "bridge: $passed passed, $failed failed"
((failed == 0))
