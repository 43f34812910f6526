"""Builds shmring._core: the SWIG wrapper (shmring.i), its C glue (csrc/) and
the C core itself (../../c/src), all from source. Install from a checkout of
the repository: `pip install ./bindings/python` (pip builds in place, so the
C core beside it is found)."""

import struct
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
CORE = HERE.parent.parent / "c"

if not (CORE / "include" / "shmring.h").is_file():
    sys.exit(f"shmring: the C core is not at {CORE}; build from a checkout of the "
             "repository with `pip install ./bindings/python` (pip >= 21.3)")

swig_opts = ["-noproxy", f"-I{CORE / 'include'}"]
if struct.calcsize("P") == 8:
    swig_opts.append("-DSWIGWORDSIZE64")  # uint64_t is unsigned long (LP64)

core = Extension(
    "shmring._core",
    sources=["shmring.i", *sorted(str(p.relative_to(HERE)) for p in (HERE / "csrc").glob("*.c"))],
    include_dirs=[str(CORE / "include"), str(HERE / "csrc")],
    # An in-place rebuild (pip install of a checkout built before) reruns
    # SWIG and the compiler when any of these changed, not only the sources.
    depends=["rwlock.i", "csrc/shmring_py.h", str(CORE / "include" / "shmring.h")],
    swig_opts=swig_opts,
    extra_compile_args=["-fvisibility=hidden", "-Wno-unused-parameter"],
    libraries=["pthread"],
)



class BuildWithCore(build_ext):
    """Compiles the C core's sources into the extension too. They are added
    here, at build time, because setup() arguments may only name files
    inside this folder (and the core is ../../c)."""

    def build_extensions(self):
        core.sources.extend(sorted(str(p) for p in (CORE / "src").glob("*.c")))
        super().build_extensions()


setup(ext_modules=[core], cmdclass={"build_ext": BuildWithCore})
