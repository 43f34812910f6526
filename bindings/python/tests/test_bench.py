"""python -m shmring.bench --smoke: every built-in transport on every
workload, each message verified by its reader; a corrupted message fails
its cell. Never asserts speed."""

import os
import re
import subprocess
import sys

from shmring.bench._cells import WORKLOADS
from shmring.bench._payload import CORRUPT_ENV, Checker, Payload
from shmring.bench._transports import BUILTIN, OPTIONAL, lookup

ROW = re.compile(r"^\| (?P<name>[\w-]+) \| (?P<rest>.*) \|$", re.MULTILINE)


def bench(*args, env=None):
    return subprocess.run([sys.executable, "-m", "shmring.bench", "--smoke", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def sections(stdout):
    """workload name → {transport: the row's cells after the name}"""
    found = {}
    for part in stdout.split("### ")[1:]:
        rows = {m["name"]: m["rest"].split(" | ") for m in ROW.finditer(part)}
        rows.pop("transport")
        found[part.split(":", 1)[0]] = rows
    return found


def test_smoke_verifies_every_cell_of_every_builtin_transport(tmp_path):
    markdown = tmp_path / "bench.md"
    run = bench("--markdown", str(markdown), "--baseline", "pipe")
    assert run.returncode == 0, run.stdout + run.stderr
    assert markdown.read_text() == run.stdout
    found = sections(run.stdout)
    assert list(found) == [w.name for w in WORKLOADS]
    for workload, rows in found.items():
        assert list(rows) == list(BUILTIN) + list(OPTIONAL)
        for name, cells in rows.items():
            if name in OPTIONAL and cells[0] == "skipped (not installed)":
                continue
            if workload == "64B-batch" and not lookup(name).batch:
                assert cells[0] == "n/a"
                continue
            verified = int(cells[2].replace(",", ""))
            assert verified > 0, (workload, name, cells)
            if workload == "64B-batch":  # pipe, the baseline, has no batch API
                assert cells[3] == "–"
            else:
                assert re.fullmatch(r"\d+\.\d\d×", cells[3]), (workload, name, cells)
                assert name != "pipe" or cells[3] == "1.00×"


def test_a_corrupted_message_fails_its_cell():
    run = bench("--only", "shmring,shmring-zc,pipe,shm-index", "--workloads", "64B,1080p",
                env={CORRUPT_ENV: "3"})
    assert run.returncode == 1
    rows = sections(run.stdout)
    for workload in ("64B", "1080p"):
        for name in ("shmring", "shmring-zc", "pipe", "shm-index"):
            assert rows[workload][name][0] == (
                "FAILED: 1 bad messages; first: message 3: checksum mismatch"), run.stdout


def test_checker_catches_size_checksum_gap_and_sampled_frame_corruption():
    for size in (64, 6_220_800):
        payload, checker = Payload(size), Checker(size)
        checker.check(memoryview(bytes(payload.message(0))))
        assert checker.errors == 0
        frame = bytearray(payload.message(1))
        frame[-1 if size == 64 else 16 + 4093 * 10] ^= 1
        checker.check(memoryview(frame))
        checker.check(memoryview(bytes(payload.message(3))))
        checker.check(memoryview(bytes(payload.message(4))[:-1]))
        assert checker.errors == 3
        assert checker.first_error == "message 1: checksum mismatch"


def test_bad_flags_are_refused():
    run = bench("--only", "shmring,nope")
    assert run.returncode == 2 and "unknown transport nope" in run.stderr
    assert bench("--workloads", "").returncode == 2
    assert subprocess.run([sys.executable, "-m", "shmring.bench", "--duration", "0"],
                          capture_output=True).returncode == 2
