"""Bazel's entry point for one test file: pytest with the runfiles' copy of
the shmring package (sources + the Bazel-built _core.so) on sys.path."""

import os
import sys

import pytest

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    sys.path.insert(0, PACKAGE_ROOT)
    # Children started by spawn and forkserver find the package this way too.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))
