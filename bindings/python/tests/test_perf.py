"""python -m shmring.perf: every command line of the seed README's perf
section runs (shortened by a later --duration-seconds) and prints the seed's
per-process report; the added flags; verification that can fail."""

import re
import subprocess
import sys

import pytest

from shmring.perf._payload import HEADER, Checker, Source

# The perf section of the seed's README, flags verbatim (the program was
# ./perf_test_ringbuffer.py).
SEED_COMMAND_LINES = [
    "--debug --slot-bytes=1000000 --slots=50 --duration-seconds=10 "
    "--writes-per-second=24 --readers=5",
    "--debug --slot-bytes=1000000 --slots=10 --duration-seconds=10 "
    "--writes-per-second=24 --readers=100",
    "--debug --slot-bytes=1000000 --slots=10 --duration-seconds=10 "
    "--writes-per-second=2000 --readers=1",
    "--debug --slot-bytes=100000000 --slots=3 --duration-seconds=10 "
    "--writes-per-second=24 --readers=1 --no-verify_writes",
    "--debug --slot-bytes=1000000 --slots=10 --duration-seconds=3 "
    "--writes-per-second=24 --readers=4 --reader-burn-cpu-milliseconds=100",
]

REPORT = re.compile(
    r"^(?P<label>\S.*)\n"
    r"(?P<slots>\d+) slots in (?P<seconds>\d+\.\d+) seconds\n"
    r"(?P<mb>\d+\.\d+) MBytes per second\n"
    r"(?P<rate>\d+\.\d+) slots/second, (?P<percent>-?\d+\.\d)% relative to target$",
    re.MULTILINE)


def perf(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shmring.perf", *args],
                          capture_output=True, text=True, timeout=120)


def reports(stdout: str) -> dict:
    found = {m["label"]: m for m in REPORT.finditer(stdout)}
    for m in found.values():
        slots, seconds, rate = int(m["slots"]), float(m["seconds"]), float(m["rate"])
        if seconds == 0:
            assert rate == 0
            continue
        # Both are printed to 1e-6: a process that read its few messages in
        # a few ms (it started late, they waited for it) has a rate whose
        # printed seconds are off by up to 5e-7 s, a relative 1e-4 or more.
        rounding = slots * 5e-7 / (seconds * (seconds - 5e-7)) + 5e-7
        assert rate == pytest.approx(slots / seconds, rel=1e-6, abs=rounding)
    return found


@pytest.mark.parametrize("command_line", SEED_COMMAND_LINES)
def test_every_seed_command_line_runs_and_reports(command_line):
    args = command_line.split()
    run = perf(*args, "--duration-seconds=0.5")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("Starting performance test with flags: Namespace(")
    readers = int(re.search(r"--readers=(\d+)", command_line)[1])
    found = reports(run.stdout)
    assert set(found) == {"Writer"} | {f"Reader {i}" for i in range(readers)}
    written = int(found["Writer"]["slots"])
    assert written > 0
    # Broadcast readers get every message (verified, unless --no-verify_writes).
    assert all(int(found[f"Reader {i}"]["slots"]) == written for i in range(readers))
    slot_bytes = int(re.search(r"--slot-bytes=(\d+)", command_line)[1])
    writer = found["Writer"]
    assert float(writer["mb"]) == pytest.approx(slot_bytes * float(writer["rate"]) / 1e6,
                                                rel=1e-4)
    target = int(re.search(r"--writes-per-second=(\d+)", command_line)[1])
    assert float(writer["percent"]) == pytest.approx(
        100 * (float(writer["rate"]) - target) / target, abs=0.06)
    assert re.search(r"^\[\s*\d+\.\ds\] written \d+ \(", run.stderr, re.MULTILINE)
    assert "Summary" in run.stdout and "ring: " in run.stdout


def test_writers_groups_lossy_readers_zero_copy_and_spawn():
    run = perf("--slot-bytes=256", "--slots=8", "--duration-seconds=0.5",
               "--writes-per-second=200", "--readers=4", "--groups=2", "--writers=2",
               "--lossy-readers=1", "--zero-copy", "--start-method=spawn")
    assert run.returncode == 0, run.stdout + run.stderr
    found = reports(run.stdout)
    written = int(found["Writer 0"]["slots"]) + int(found["Writer 1"]["slots"])
    for group in ("g0", "g1"):  # each message to exactly one member of each group
        members = [m for label, m in found.items() if label.endswith(f"(group {group})")]
        assert len(members) == 2 and sum(int(m["slots"]) for m in members) == written
    assert "Lossy reader 0" in found
    rows = run.stdout.split("Summary\n", 1)[1].splitlines()
    assert rows[0].split() == ["process", "slots", "seconds", "MB/s", "slots/s",
                               "vs", "target", "waits", "full", "missed", "errors"]
    assert len(rows) == 2 + 7 + 1  # header, rule, 7 processes, ring line
    assert all(row.split()[-1] == "0" for row in rows[2:9])  # no verification errors


def test_bad_flags_are_refused():
    run = perf("--slot-bytes=8", "--slots=4", "--duration-seconds=1",
               "--writes-per-second=1", "--readers=1")
    assert run.returncode == 2 and "--slot-bytes must be at least 16" in run.stderr
    assert perf("--slots=4").returncode == 2  # the seed's required flags


def test_the_ring_has_exactly_the_slots_asked_for():
    run = perf("--slot-bytes=100", "--slots=3", "--duration-seconds=0.3",
               "--writes-per-second=50", "--readers=1")
    assert run.returncode == 0, run.stderr
    ring_line = run.stdout.split("Summary\n", 1)[1].splitlines()[-1]
    assert " 3 slots " in ring_line, ring_line
    assert "power of two" not in run.stdout


def test_verification_catches_corruption_gaps_and_reordering():
    source = Source(64, writer=3, verify=True)
    broadcast, member = Checker(every=True), Checker(every=False)
    first = bytes(source.message(0))
    assert HEADER.unpack_from(first)[0::2] == (3, 0)
    for checker in (broadcast, member):
        checker.record(checker.inspect(memoryview(first)))
    corrupt = bytearray(source.message(1))
    corrupt[-1] ^= 1
    assert "CRC32 mismatch" in broadcast.inspect(memoryview(corrupt))[2]
    skipped = memoryview(bytes(source.message(2)))
    assert "message 2 after 0" in broadcast.inspect(skipped)[2]
    member.record(member.inspect(skipped))  # a member sees only some messages
    assert member.errors == 0
    member.record(member.inspect(memoryview(first)))
    assert (member.errors, member.first_error) == (1, "writer 3: message 0 after 2")
    assert broadcast.errors == 0  # inspect alone records nothing
