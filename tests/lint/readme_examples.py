#!/usr/bin/env python3
"""The README examples that are programs elsewhere are those programs, word
for word: each README's code block (the first of its language after its
heading) must equal the source's part between its README markers. The
programs are run twice in a row after a crashed run by their tests
(//examples/c:readme_test, bindings/rust/shmring/tests/readme.rs,
bindings/go/readme_example_test.go; the Python README's program is run by
bindings/python/tests/test_examples.py straight from the README).

Prints "N passed, N failed"; exit 1 on any mismatch."""

import pathlib
import sys

# (README, heading the block follows, block language, source, start marker, end marker)
CHECKS = [
    ("README.md", "## The C API", "c", "examples/c/readme.c",
     "/* ---- README.md, \"The C API\" ---- */\n", "/* ---- end of the README's code ---- */"),
    ("bindings/rust/README.md", "# shmring for Rust", "rust", "bindings/rust/shmring/examples/readme.rs",
     "// ---- README.md ----\n", "// ---- end of the README's code ----"),
    ("bindings/go/README.md", "# shmring for Go", "go", "bindings/go/readme_example_test.go",
     "// ---- README.md ----\n", "// ---- end of the README's code ----"),
]


def block(readme: str, heading: str, language: str) -> str:
    after = readme.split("\n" + heading + "\n", 1)[-1] if heading.startswith("##") else readme
    return after.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def main(root: pathlib.Path) -> int:
    passed = failed = 0
    for readme, heading, language, source, start, end in CHECKS:
        text = (root / source).read_text()
        code = text.split(start, 1)[1].split(end, 1)[0].strip("\n")
        shown = block((root / readme).read_text(), heading, language).strip("\n")
        if shown == code:
            passed += 1
            continue
        failed += 1
        print(f"{readme}: the {language} example differs from {source} (between its markers)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
