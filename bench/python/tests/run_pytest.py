"""Bazel's entry point for one benchmark test file: pytest with the
runfiles' copies of the shmring package (bindings/python, with the
Bazel-built _core.so) and of shmring_bench (bench/python) on sys.path."""

import os
import sys

import pytest

RUNFILES = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROOTS = [os.path.join(RUNFILES, "bindings", "python"), os.path.join(RUNFILES, "bench", "python")]

if __name__ == "__main__":
    sys.path[:0] = ROOTS
    # Children started by spawn and forkserver find the packages this way too.
    os.environ["PYTHONPATH"] = os.pathsep.join(ROOTS + list(filter(None, [os.environ.get("PYTHONPATH")])))
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))
