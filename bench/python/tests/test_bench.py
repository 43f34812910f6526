"""python -m shmring_bench --smoke: every transport on every workload, each
message verified by its readers; a corrupted, lost or repeated message fails
its cell. Never asserts speed."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from array import array

import pytest

from shmring_bench import _native
from shmring_bench._payload import (CORRUPT_ENV, FRAMING, HEADER, Checker, Payload,
                                    partition_problem, stride)
from shmring_bench._registry import NAMES, OPTIONAL
from shmring_bench._results import FIELDS
from shmring_bench._workloads import WORKLOADS

ROW = re.compile(r"^\| (?P<name>[\w-]+)(?: \(emulated\))? \| (?P<rest>.*) \|$", re.MULTILINE)
SKIPPED = re.compile(r"skipped: \S.*")


def bench(*args, env=None):
    return subprocess.run([sys.executable, "-m", "shmring_bench", "--smoke", *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def sections(stdout):
    """workload name → {transport: the row's cells after the name}"""
    found = {}
    for part in stdout.split("### ")[1:]:
        rows = {m["name"]: m["rest"].split(" | ") for m in ROW.finditer(part)}
        rows.pop("transport", None)
        found[part.split("\n", 1)[0].split(":", 1)[0]] = rows
    return found


def test_smoke_verifies_every_cell_of_every_transport(tmp_path):
    markdown, results = tmp_path / "bench.md", tmp_path / "bench.json"
    workloads = ",".join(w.name for w in WORKLOADS)
    run = bench("--markdown", str(markdown), "--json", str(results), "--baseline", "pipe",
                "--workloads", workloads)
    assert run.returncode == 0, run.stdout + run.stderr
    assert markdown.read_text() == run.stdout
    rows = json.loads(results.read_text())["results"]
    native = [r for r in rows if _native.is_native(r)]
    rows = [r for r in rows if not _native.is_native(r)]
    assert [(r["workload"], r["transport"]) for r in rows] == [
        (w.name, t) for w in WORKLOADS for t in NAMES]
    assert native and all(r["status"] == _native.NOT_GIVEN and set(r) >= set(FIELDS)
                          for r in native)
    for r in rows:
        assert set(r) >= set(FIELDS)
        assert r["injected"] == 0, r  # no fault without the test hook
        if r["status"] != "ok":
            assert SKIPPED.fullmatch(r["status"]), r  # a reason, never a silent gap
            continue
        assert r["messages"] > 0 and r["msg_per_s"] > 0, r
        assert (r["p50_us"] is not None) == (r["workload"] == "pingpong"), r
    builtin = {(r["workload"], r["transport"]): r["status"] for r in rows
               if r["transport"] not in OPTIONAL}
    assert builtin[("64B-group2", "pipe")].startswith("skipped: a Pipe end")
    assert builtin[("1080p-reserve", "queue")] == "skipped: no slot to fill in place"
    assert all(s == "ok" for (w, t), s in builtin.items() if t in ("shmring", "shmring-zc")
               and not (t == "shmring" and w.endswith(("-reserve", "-untouched"))))
    emulated = {r["transport"] for r in rows if r.get("note", "").startswith("emulated")}
    assert emulated >= {"queue", "pipe", "shm-index"} and "shmring" not in emulated
    found = sections(run.stdout)
    assert list(found) == [w.name for w in WORKLOADS] + [_native.HEADING.removeprefix("### ")]
    assert found["64B"]["pipe"][3] == "1.00×"


def test_a_corrupted_message_is_injected_and_fails_its_cell(tmp_path):
    copying = ["shmring", "shmring-zc", "pipe", "shm-index"]
    copying += ["zmq"] if importlib.util.find_spec("zmq") else []
    results = tmp_path / "bench.json"
    run = bench("--only", ",".join(copying), "--workloads", "64B,1080p,1MB-reserve,64B-2to1",
                "--json", str(results), env={CORRUPT_ENV: "3"})
    assert run.returncode == 1
    injected = {(r["workload"], r["transport"]): r["injected"]
                for r in json.loads(results.read_text())["results"]}
    rows = sections(run.stdout)
    bad = "FAILED: 1 bad messages; first: message 3: checksum mismatch"
    for workload, names in (("64B", copying), ("1080p", copying),
                            ("1MB-reserve", ("shmring-zc", "shm-index"))):
        for name in names:
            # The writer writes past message 3 whatever the duration: the
            # fault is planted first (on any machine), then it must be caught.
            assert injected[workload, name] == 1, (workload, name, injected)
            assert rows[workload][name][0] == bad, (workload, name, run.stdout)
    # Two writers each corrupt their message 3.
    for name in copying:
        assert injected["64B-2to1", name] == 2, (name, injected)
        assert rows["64B-2to1"][name][0].startswith("FAILED: 2 bad messages"), run.stdout


def test_spawn_start_method_runs_named_segments_and_skips_what_cannot_pickle():
    run = bench("--start-method", "spawn", "--only", "shmring,shm-index,faster-fifo",
                "--workloads", "64B,64B-group2")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = sections(run.stdout)
    assert re.fullmatch(r"[\d,]+", rows["64B-group2"]["shmring"][0])
    assert re.fullmatch(r"[\d,]+", rows["64B"]["shm-index"][0])
    fifo = rows["64B"]["faster-fifo"][0]
    if importlib.util.find_spec("faster_fifo"):
        assert fifo.startswith("skipped: faster-fifo's Queue does not pickle"), fifo
    else:
        assert fifo == "skipped: faster_fifo not installed", fifo


def test_checker_catches_size_checksum_gap_and_sampled_frame_corruption():
    for size in (64, 6_220_800):
        payload, checker = Payload(size), Checker(size)
        checker.check(memoryview(bytes(payload.message(0))))
        assert checker.errors == 0
        frame = bytearray(payload.message(1))
        frame[-1 if size == 64 else HEADER.size + stride(size - FRAMING) * 10] ^= 1
        checker.check(memoryview(frame))
        checker.check(memoryview(bytes(payload.message(3))))
        checker.check(memoryview(bytes(payload.message(4))[:-1]))
        assert checker.errors == 3
        assert checker.first_error == "message 1: checksum mismatch"


def test_in_place_messages_pass_the_same_check():
    for size in (1_000_000, 24_883_200):
        payload, checker = Payload(size), Checker(size)
        slot = memoryview(bytearray(size))
        for sequence in range(3):
            payload.stamp_in_place(slot, sequence)
            checker.check(slot)
        assert checker.errors == 0
        slot[HEADER.size + stride(size - FRAMING)] ^= 1
        checker.check(slot)
        assert checker.first_error == "message 2: checksum mismatch"


def test_header_only_messages_check_the_header_and_leave_the_body_alone():
    size = 6_220_800
    payload, checker = Payload(size), Checker(size, header_only=True)
    slot = memoryview(bytearray(size))
    for sequence in range(2):
        payload.stamp_header(slot, sequence)
        checker.check(slot)
    assert checker.errors == 0 and not any(slot[HEADER.size:-4])
    slot[HEADER.size - 1] ^= 1  # the sequence number's top byte
    checker.check(slot)
    assert checker.first_error.endswith(": checksum mismatch"), checker.first_error


@pytest.mark.parametrize("size,header_only,make", [
    (64, False, "message"), (6_220_800, False, "message"), (64, False, "stamp_in_place"),
    (1_000_000, False, "stamp_in_place"), (6_220_800, True, "stamp_header"),
])
def test_the_corruption_hook_fails_one_message_of_every_kind(monkeypatch, size, header_only,
                                                              make):
    monkeypatch.setenv(CORRUPT_ENV, "1")
    payload, checker = Payload(size), Checker(size, header_only=header_only)
    slot = memoryview(bytearray(size))
    for sequence in range(3):
        if make == "message":
            checker.check(payload.message(sequence))
        else:
            getattr(payload, make)(slot, sequence)
            checker.check(slot)
    assert (checker.errors, checker.first_error) == (1, "message 1: checksum mismatch")
    assert (payload.minimum, payload.injected) == (2, 1)


def feed(checker, messages):
    payloads = {}
    for writer, sequence in messages:
        payload = payloads.setdefault(writer, Payload(64, writer))
        checker.check(memoryview(bytes(payload.message(sequence))))


def test_two_writer_checker_wants_each_writers_stream_whole_and_in_order():
    good = Checker(64, writers=2)
    feed(good, [(0, 0), (1, 0), (1, 1), (0, 1), (0, 2)])
    assert good.errors == 0 and good.counts == [3, 2]
    repeated = Checker(64, writers=2)
    feed(repeated, [(0, 0), (1, 0), (1, 1), (1, 1)])
    assert repeated.first_error == "message 1 where 2 was due"
    lost = Checker(64, writers=2)
    feed(lost, [(0, 0), (1, 0), (0, 2)])
    assert lost.first_error == "message 2 where 1 was due"
    stranger = Checker(64, writers=2)
    feed(stranger, [(2, 0)])
    assert stranger.first_error == "a message from writer 2"
    corrupted = Checker(64, writers=2)
    message = bytearray(Payload(64, 1).message(0))
    message[HEADER.size] ^= 1
    corrupted.check(message)
    assert corrupted.first_error == "message 0: checksum mismatch"


def test_group_members_together_must_read_each_message_exactly_once():
    member = Checker(64, partial=True)
    feed(member, [(0, 0), (0, 2), (0, 5)])
    assert member.errors == 0 and list(member.seen[0]) == [0, 2, 5]
    feed(member, [(0, 5)])
    assert member.first_error == "message 5 after 5"
    one, other = array("q", [0, 2, 4]), array("q", [1, 3])
    assert partition_problem([one, other], 5) == ""
    assert partition_problem([one, array("q", [1, 2, 3])], 5) == "message 2 read twice"
    assert partition_problem([one, array("q", [3])], 5) == "message 1 never read"
    assert partition_problem([one, other], 4) == "message 4 read, 4 written"


@pytest.mark.parametrize("flags,message", [
    (("--only", "shmring,nope"), "unknown transport nope"),
    (("--workloads", ""), "unknown workload"),
    (("--start-method", "thread"), "invalid choice"),
])
def test_bad_flags_are_refused(flags, message):
    run = bench(*flags)
    assert run.returncode == 2 and message in run.stderr
    assert subprocess.run([sys.executable, "-m", "shmring_bench", "--duration", "0"],
                          capture_output=True).returncode == 2


def test_seed_perf_section_chart_and_doc_come_from_the_rows(tmp_path):
    results, tables = tmp_path / "r.json", tmp_path / "r.md"
    run = bench("--workloads", "seed-perf,64B", "--only", "shmring,queue",
                "--json", str(results), "--markdown", str(tables))
    assert run.returncode == 0, run.stdout + run.stderr
    seed = [r for r in json.loads(results.read_text())["results"] if r["workload"] == "seed-perf"]
    assert len(seed) == 5 and all(r["status"] == "ok" and r["msg_per_s"] > 0 for r in seed)
    assert "### seed-perf" in run.stdout and "too many readers" in run.stdout
    if importlib.util.find_spec("matplotlib"):  # the chart's only need
        png = tmp_path / "c.png"
        chart = subprocess.run([sys.executable, "-m", "shmring_bench.chart", str(results),
                                str(png)], capture_output=True, text=True, timeout=120)
        assert chart.returncode == 0, chart.stderr
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = tmp_path / "doc.md"
    doc.write_text("# B\n\nkept\n\n<!-- results:begin -->\nold\n<!-- results:end -->\n\ntail\n")
    done = subprocess.run([sys.executable, "-m", "shmring_bench.doc", str(results), str(tables),
                           str(doc)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = doc.read_text()
    assert "old" not in text and text.startswith("# B\n\nkept") and text.endswith("tail\n")
    assert "| 64 B 1→1, one per call: shmring vs multiprocessing.Queue | ≥ 20× |" in text
    assert "| C API 64 B 1→1 | ≥ 20,000,000 msg/s | not measured in this run | – |" in text


def test_a_process_that_dies_fails_its_cell_at_once_and_is_named(monkeypatch, capsys):
    from shmring_bench import __main__ as bench_main, _registry, _transports

    class Broken(_transports.MpPipe):
        def open_writer(self, index):
            raise RuntimeError("a writer that cannot start")

    monkeypatch.setitem(_registry.BUILTIN, "pipe", Broken)
    status = bench_main.main(["--duration", "0.3", "--only", "pipe", "--workloads", "64B,64B-2to1"])
    assert status == 1
    rows = sections(capsys.readouterr().out)
    # Only the writer is named: the barrier was broken at once (else the
    # reader would have timed out at it and been named too).
    assert rows["64B"]["pipe"][0] == "FAILED: writer 0 exit 1"
    assert rows["64B-2to1"]["pipe"][0].startswith("FAILED: writer 0 exit 1, writer 1 exit 1")
