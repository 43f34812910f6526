"""The C core's files stay readable one at a time (issue 20, "A core that
reads in one sitting"):

- no include cycle among the files of the checked directory (#include "x");
- every function declared in a header section headed by a file name
  ("/* NAME.c: ..." or "/* NAME.c */") is defined in that file, and one
  declared before any heading in the .c file of the header's name (or, if
  there is none, in the header itself): a heading says truly where its
  code is;
- every .c file opens with a comment that names it ("NAME.c -- ...");
- no file is longer than MAX_LINES, except those in LONG_FILES, each with
  the reason it is still long.

Exit status 1 lists the offenders. Run: python3 tests/lint/core_structure.py
c/src. tests/lint/core_structure_selftest.py proves that each rule catches
what it is for.
"""
import pathlib
import re
import sys

MAX_LINES = 360
# Still over MAX_LINES, and why.
LONG_FILES = {
    "reader.c": "split by reader kind once the waiting work (issue 16) that "
                "changes it now has landed (issue 20)",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SECTION = re.compile(r"^/\*\s*([a-z_][a-z0-9_]*\.[ch])(?::|\s+\*/|\s*$)")
# A prototype: type words, a name, "(" ... ");" -- at the start of a line.
PROTOTYPE = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([a-z_][a-z0-9_]*)\(([^;{]*?)\)\s*"
                       r"(?:__attribute__\(\(.*?\)\))?\s*;", re.M | re.S)
DEFINITION = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([a-z_][a-z0-9_]*)\([^;{]*\)\s*\{",
                        re.M | re.S)
OPENING = re.compile(r"\A/\*\s*\n?\s*\*?\s*([A-Za-z0-9_.]+)\s+--\s")


def strip_comments(text):
    """The text with every comment blanked (newlines kept, so lines count)."""
    return re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), text,
                  flags=re.S)


def include_cycles(files):
    graph = {name: [inc for inc in INCLUDE.findall(text) if inc in files]
             for name, text in files.items()}
    problems, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt):] + [nxt]
                problems.append("include cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return problems


def defined_in(text):
    return set(DEFINITION.findall(strip_comments(text)))


def section_problems(files):
    """Each header's declarations against the file its section names."""
    problems = []
    for header, text in sorted(files.items()):
        if not header.endswith(".h"):
            continue
        namesake = header[:-2] + ".c"
        owner = namesake if namesake in files else header
        own = defined_in(text)
        lines = text.split("\n")
        code = strip_comments(text).split("\n")
        for number, line in enumerate(lines):
            found = SECTION.match(line)
            if found:
                owner = found.group(1)
            rest = "\n".join(code[number:number + 8])
            match = PROTOTYPE.match(rest) if code[number].strip() else None
            if not match or "\n" in rest[:match.start(1)] or "typedef" in rest[:match.start(1)]:
                continue
            function = match.group(1)
            where = files.get(owner)
            if where is None:
                problems.append(f"{header}:{number + 1}: {function} is declared under "
                                f"a heading naming {owner}, which does not exist")
            elif function not in (own if owner == header else defined_in(where)):
                problems.append(f"{header}:{number + 1}: {function} is declared under "
                                f"the {owner} heading but not defined there")
    return problems


def opening_problems(files):
    problems = []
    for name, text in sorted(files.items()):
        found = OPENING.match(text)
        if not found or found.group(1) != name:
            problems.append(f"{name}: does not open with a comment \"{name} -- ...\"")
    return problems


def length_problems(files):
    problems = []
    for name, text in sorted(files.items()):
        lines = text.count("\n")
        if lines > MAX_LINES and name not in LONG_FILES:
            problems.append(f"{name}: {lines} lines, over {MAX_LINES}")
    return problems


def check(directory):
    files = {p.name: p.read_text() for p in sorted(pathlib.Path(directory).iterdir())
             if p.suffix in (".c", ".h")}
    return (include_cycles(files) + section_problems(files) + opening_problems(files)
            + length_problems(files)), files


def main(argv):
    problems, files = check(argv[1] if len(argv) > 1 else "c/src")
    for problem in problems:
        print(problem)
    print(f"{len(files)} files checked; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
