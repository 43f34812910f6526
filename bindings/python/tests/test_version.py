"""The package's release is the version of the C core compiled into it."""

import shmring


def test_package_version_is_the_core_version():
    v = shmring.library_version()
    core = f"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF}"
    assert shmring.__version__ == core, "run scripts/sync-vendored.sh"
