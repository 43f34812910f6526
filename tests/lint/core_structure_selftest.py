"""Each rule of core_structure.py catches what it is for: small source
directories with one defect each must be refused with the matching message,
and a correct one must pass. Run: python3 tests/lint/core_structure_selftest.py"""
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import core_structure  # noqa: E402

GOOD = {
    "core.h": '/*\n * core.h -- shared declarations.\n */\n#include "atoms.h"\n\n'
              '/* lock.c: the lock */\nint lock_take(int *word);\n\n'
              '/* core.h: inline helpers */\nstatic inline int twice(int x) {\n'
              '    return 2 * x;\n}\n',
    "atoms.h": "/* atoms.h -- no functions. */\n",
    "lock.c": '/*\n * lock.c -- the lock.\n */\n#include "core.h"\n\n'
              'int lock_take(int *word) {\n    return *word;\n}\n',
}

CASES = {
    "a correct directory passes": ({}, None),
    "an include cycle": ({"atoms.h": '/* atoms.h -- loops. */\n#include "core.h"\n'},
                         "include cycle: atoms.h -> core.h -> atoms.h"),
    # main's internal.h before issue 20: registry functions under the
    # liveness.c heading.
    "a declaration under another file's heading": (
        {"core.h": GOOD["core.h"].replace("/* lock.c: the lock */",
                                          "/* liveness.c: pids */"),
         "liveness.c": "/* liveness.c -- pids. */\nint pid_alive(int pid) {\n"
                       "    return pid > 0;\n}\n"},
        "lock_take is declared under the liveness.c heading but not defined there"),
    "a declaration its file does not define": (
        {"lock.c": GOOD["lock.c"].replace("lock_take", "lock_grab")},
        "lock_take is declared under the lock.c heading but not defined there"),
    "an opening comment naming another file": (
        {"lock.c": GOOD["lock.c"].replace("lock.c --", "locks.c --")},
        'lock.c: does not open with a comment "lock.c -- ..."'),
    "a file that is too long": (
        {"lock.c": GOOD["lock.c"] + "\n" * core_structure.MAX_LINES},
        f"lock.c: {GOOD['lock.c'].count(chr(10)) + core_structure.MAX_LINES} lines, "
        f"over {core_structure.MAX_LINES}"),
}


def main():
    failures = 0
    for name, (changes, expected) in CASES.items():
        with tempfile.TemporaryDirectory() as directory:
            for file, text in {**GOOD, **changes}.items():
                pathlib.Path(directory, file).write_text(text)
            problems, _ = core_structure.check(directory)
        if expected is None:
            ok = not problems
        else:
            ok = any(expected in problem for problem in problems)
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": got {problems}"))
        failures += not ok
    print(f"{len(CASES)} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
