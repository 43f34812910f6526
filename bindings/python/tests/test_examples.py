"""The examples (examples/example_*.py) run to completion: each is started
as its own program, with a timeout, and must exit 0 after checking that
every reader got every message."""

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).absolute().parents[3] / "examples"


def run_example(name, *args):
    return subprocess.run([sys.executable, str(EXAMPLES / name), *args],
                          capture_output=True, text=True, timeout=240)


def test_example_numpy():
    pytest.importorskip("numpy")
    done = run_example("example_numpy.py", "--matrices", "3000", "--readers", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "4 readers got all 3000 matrices"
    assert done.stdout.count("is done: 3000 matrices") == 4


def test_example_ctypes():
    done = run_example("example_ctypes.py")  # the seed's sizes: 1000 records, 2 readers
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith("2 readers got all ") and last.endswith(" dropped)"), last
    assert "Writer is done" in done.stdout
