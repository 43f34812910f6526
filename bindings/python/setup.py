"""Builds shmring._core: the SWIG wrapper (shmring.i), its C glue (csrc/) and
the C core itself (c/src, a copy of the repository's c/ that
scripts/sync-vendored.sh keeps equal, so that the sdist carries it), all
from source.

Everything the build writes goes to a fresh temporary directory, never
into this folder: pip builds a local folder in place, and two builds of one
checkout at once must not share build/, the egg-info or the SWIG output.

SHMRING_STRIP=1 strips the extension's debug information (`-s` at link
time): scripts/package.sh sets it for the wheels it ships."""

import atexit
import os
import shutil
import struct
import sys
import tempfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build import build
from setuptools.command.build_ext import build_ext
from setuptools.command.egg_info import egg_info

HERE = Path(__file__).resolve().parent
CORE = Path("c")  # relative: setup() may only name files inside this folder

if not (HERE / CORE / "include" / "shmring.h").is_file():
    sys.exit(f"shmring: the C core is not at {HERE / CORE}; in a checkout, run "
             "`bash scripts/sync-vendored.sh`")

_scratch = []


def scratch_dir(purpose):
    """A directory for this build only, removed when setup.py exits."""
    path = tempfile.mkdtemp(prefix=f"shmring-{purpose}-")
    _scratch.append(path)
    return path


atexit.register(lambda: [shutil.rmtree(p, ignore_errors=True) for p in _scratch])

swig_opts = ["-noproxy", f"-I{CORE / 'include'}"]
if struct.calcsize("P") == 8:
    swig_opts.append("-DSWIGWORDSIZE64")  # uint64_t is unsigned long (LP64)


def c_files(folder):
    return sorted(str(p.relative_to(HERE)) for p in (HERE / folder).glob("*.c"))


core = Extension(
    "shmring._core",
    sources=["shmring.i", *c_files("csrc"), *c_files(CORE / "src")],
    include_dirs=[str(CORE / "include"), "csrc"],
    depends=["rwlock.i", "csrc/shmring_py.h", str(CORE / "include" / "shmring.h"),
             *sorted(str(p.relative_to(HERE)) for p in (HERE / CORE / "src").glob("*.h"))],
    swig_opts=swig_opts,
    extra_compile_args=["-fvisibility=hidden", "-Wno-unused-parameter"],
    extra_link_args=["-s"] if os.environ.get("SHMRING_STRIP") == "1" else [],
    libraries=["pthread"],
)


class BuildOutOfTree(build):
    """build/ (and with it bdist's staging) in a temporary directory."""

    def finalize_options(self):
        if self.build_base == "build":
            self.build_base = scratch_dir("build")
        super().finalize_options()


class EggInfoOutOfTree(egg_info):
    """The egg-info in a temporary directory instead of beside setup.py."""

    def finalize_options(self):
        if self.egg_base is None:
            self.egg_base = scratch_dir("egg-info")
        super().finalize_options()


class BuildExtSwigOutOfTree(build_ext):
    """SWIG writes its wrapper into the build's temporary directory (the
    stock command writes it beside shmring.i)."""

    def swig_sources(self, sources, extension):
        os.makedirs(self.build_temp, exist_ok=True)
        out = []
        for source in sources:
            if not source.endswith(".i"):
                out.append(source)
                continue
            wrapper = os.path.join(self.build_temp, Path(source).stem + "_wrap.c")
            self.spawn([self.swig or "swig", "-python", *extension.swig_opts, "-o", wrapper, source])
            out.append(wrapper)
        return out


setup(
    ext_modules=[core],
    cmdclass={"build": BuildOutOfTree, "egg_info": EggInfoOutOfTree,
              "build_ext": BuildExtSwigOutOfTree},
)
