#!/usr/bin/env bash
# The Python binding the way a user gets it: `pip install ./bindings/python`
# into a fresh venv builds the C core and the SWIG wrapper from source (SWIG
# comes from PyPI), then the pytest suite runs against that installation,
# with the benchmark harness (`pip install ./bench/python`) and its tests.
# Also checks that `pip wheel ./bindings/python` gives a wheel with the
# extension, the stubs, py.typed and the commands, and no benchmark code.
#
# Builds from copies of bindings/python/ and bench/python/ alone; the
# binding's copy is read-only: it needs nothing outside its folder (its c/ is
# the vendored core), and its build writes nothing into its source tree.
#
# Last line: "python (pip): N passed, N failed" (pytest's counts; a broken
# install counts as 1 failed). Exit 0 only if everything passed.
# Env: PYTHON=python3.x to choose the interpreter (default /usr/bin/python3);
#      KEEP_WORK=1 to keep the temporary venv and copy.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/shmring-pip.XXXXXX")"
cleanup() {
  if [[ -z "${KEEP_WORK:-}" ]]; then chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

broken() {
  echo "FAIL: $*" >&2
  echo "python (pip): 0 passed, 1 failed"
  exit 1
}

mkdir -p "$WORK/src/bindings"
mkdir -p "$WORK/src/bench"
cp -r "$ROOT/bindings/python" "$WORK/src/bindings/python"
cp -r "$ROOT/bench/python" "$WORK/src/bench/python"
find "$WORK/src" -name __pycache__ -prune -exec rm -rf {} +
chmod -R a-w "$WORK/src/bindings/python"

"$PYTHON" -m venv "$WORK/venv" || broken "$PYTHON -m venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install -q --upgrade pip || broken "pip upgrade"
echo "==> pip install ./bindings/python[test]"
"$VPY" -m pip install -q "$WORK/src/bindings/python[test]" || broken "pip install ./bindings/python[test]"
echo "==> pip install ./bench/python"
"$VPY" -m pip install -q "$WORK/src/bench/python" || broken "pip install ./bench/python"

echo "==> pip wheel ./bindings/python"
"$VPY" -m pip wheel -q --no-deps -w "$WORK/wheels" "$WORK/src/bindings/python" || broken "pip wheel"
"$VPY" - "$WORK/wheels" <<'PY' || broken "wheel contents"
import pathlib, sys, zipfile
[wheel] = pathlib.Path(sys.argv[1]).glob("shmring-*.whl")
names = zipfile.ZipFile(wheel).namelist()
need = ["shmring/__init__.py", "shmring/py.typed", "shmring/_core.pyi",
        "shmring/__main__.py", "shmring/perf/__main__.py"]
missing = [n for n in need if n not in names]
bench = [n for n in names if "bench" in n]
if bench:
    sys.exit(f"{wheel.name} carries benchmark code: {bench}")
if not any(n.startswith("shmring/_core.") and n.endswith(".so") for n in names):
    missing.append("shmring/_core*.so")
if missing:
    sys.exit(f"{wheel.name} lacks {missing}")
print(f"ok: {wheel.name}")
PY

# Run from outside the source tree: `import shmring` must be the installed one.
cd "$WORK" || broken "cd $WORK"
"$VPY" -c 'import shmring, sys; sys.exit("site-packages" not in shmring.__file__)' \
  || broken "import shmring does not come from the venv"
echo "==> pytest bindings/python/tests bench/python/tests (installed packages)"
"$VPY" -m pytest -q -p no:cacheprovider "$ROOT/bindings/python/tests" "$ROOT/bench/python/tests" 2>&1 | tee "$WORK/pytest.log"
rc=${PIPESTATUS[0]}
# shellcheck source=../../scripts/lib/pytest_summary.sh
source "$ROOT/scripts/lib/pytest_summary.sh"
pytest_summary "python (pip)" "$WORK/pytest.log" "$rc"
(( rc == 0 ))
