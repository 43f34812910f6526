"""The examples run to completion, twice in a row with no cleanup between:
examples/example_*.py and the program of README.md's "Example" section, each
started as its own program (with a timeout) that must exit 0 after checking
that every reader got every message. The README's program first finds what
a crashed run leaves behind (its ring, its creator dead)."""

import pathlib
import platform
import subprocess
import sys

import pytest

import shmring
from conftest import unique_name
from observe import await_true

HERE = pathlib.Path(__file__).absolute().parents[1]
EXAMPLES = HERE.parents[1] / "examples"


def run_example(path, *args):
    return subprocess.run([sys.executable, str(path), *args],
                          capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("run", [1, 2])
def test_example_numpy(run):
    pytest.importorskip("numpy")
    done = run_example(EXAMPLES / "example_numpy.py", "--matrices", "3000", "--readers", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "4 readers got all 3000 matrices"
    assert done.stdout.count("is done: 3000 matrices") == 4


@pytest.mark.parametrize("run", [1, 2])
def test_example_ctypes(run):
    done = run_example(EXAMPLES / "example_ctypes.py")  # the seed's sizes: 1000 records, 2 readers
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith("2 readers got all ") and last.endswith(" dropped)"), last
    assert "Writer is done" in done.stdout


def readme_example() -> str:
    """The program of README.md's "Example" section."""
    text = (HERE / "README.md").read_text()
    section = text.split("\n## Example\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_runs_twice_after_a_crash(tmp_path):
    name = unique_name()
    program = tmp_path / "readme_example.py"
    program.write_text(readme_example().replace('"/frames"', repr(name)))
    leave = ("import shmring, sys; shmring.Ring.create(sys.argv[1], slot_bytes=6_220_800, "
             "slot_count=8)")  # exits without unlinking, as a crashed run would
    assert subprocess.run([sys.executable, "-c", leave, name], timeout=60).returncode == 0
    assert shmring.inspect(name).stale
    try:
        for run in (1, 2):
            done = run_example(program)
            assert done.returncode == 0, f"run {run}: " + done.stdout + done.stderr
        with pytest.raises(shmring.NotFound):  # the example unlinks its ring
            shmring.inspect(name)
    finally:
        try:
            shmring.unlink(name)
        except shmring.NotFound:
            pass


PPOLL = {"x86_64": "271", "aarch64": "73"}.get(platform.machine())


def in_ppoll(pid):
    """A thread of process pid waits in ppoll (an attach for its ring)."""
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*/syscall"):
        try:
            if task.read_text().split()[0] == PPOLL:
                return True
        except (OSError, IndexError):
            pass
    return False


@pytest.mark.skipif(PPOLL is None, reason="ppoll's number is not known here")
def test_readme_example_consumer_first_gets_every_message(tmp_path):
    name = unique_name()
    program = tmp_path / "readme_example.py"
    program.write_text(readme_example().replace('"/frames"', repr(name)))
    consumer = subprocess.Popen([sys.executable, str(program), "consume"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Started first, it waits for the ring (observed, not slept for).
        await_true(lambda: consumer.poll() is not None or in_ppoll(consumer.pid),
                   "the consumer waited")
        assert consumer.poll() is None, consumer.communicate()[0]
        produced = run_example(program, "produce")
        assert produced.returncode == 0, produced.stdout + produced.stderr
        output = consumer.communicate(timeout=240)[0]
        assert consumer.returncode == 0, output  # it asserts all 9 frames, in order
    finally:
        if consumer.poll() is None:
            consumer.kill()
        try:
            shmring.unlink(name)
        except shmring.NotFound:
            pass
