#!/usr/bin/env python3
"""docs/api-map.md against the code: every name in its tables exists in its
binding, and every deprecated name still exists and is marked deprecated.

    python3 tests/lint/api_map.py [ROOT]

C: an identifier of c/include/shmring.h (comments stripped). Python: the
syntax trees of bindings/python/shmring (classes with their bases, _core.pyi
included; `shmring.x` is a name of the package's __all__; `Class.method(kw)`
a keyword argument). Rust: the pub items of bindings/rust/shmring/src.
Go: the exported declarations of bindings/go. Prints each missing name and
exits 1 if any is.
"""

from __future__ import annotations

import ast
import pathlib
import re
import sys
from typing import Dict, Iterator, List, Optional, Set, Tuple

NAME = re.compile(r"^[A-Za-z_]\w*((\.|::)[A-Za-z_]\w*)?(\([A-Za-z_]\w*\))?$")
LANGUAGES = ("C", "Python", "Rust", "Go")


# ---- the map -----------------------------------------------------------------


def table_rows(text: str) -> Iterator[Tuple[List[str], List[str]]]:
    """(header cells, cells) of every table row below a header row."""
    header: Optional[List[str]] = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set("".join(cells)) <= set("-: "):
            yield header, cells


def names_in(cell: str) -> List[str]:
    return re.findall(r"`([^`]+)`", cell)


# ---- C ---------------------------------------------------------------------------


class CHeader:
    def __init__(self, root: pathlib.Path) -> None:
        text = (root / "c/include/shmring.h").read_text()
        self.code = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        self.identifiers = set(re.findall(r"\b[A-Za-z_]\w*\b", self.code))

    def has(self, name: str) -> bool:
        return name in self.identifiers

    def deprecated(self, old: str, new: str) -> bool:
        """An old spelling is defined as the new one: same value, same ABI."""
        return re.search(rf"#define\s+{old}\s+{new}\s*$", self.code, re.M) is not None


# ---- Python -----------------------------------------------------------------------


class PythonPackage:
    def __init__(self, root: pathlib.Path) -> None:
        package = root / "bindings/python/shmring"
        self.classes: Dict[str, Tuple[List[str], Dict[str, ast.AST]]] = {}
        self.exports: Set[str] = set()
        for path in sorted(package.glob("*.py")) + [package / "_core.pyi"]:
            tree = ast.parse(path.read_text(), str(path))
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    self.classes[node.name] = (
                        [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")
                         for b in node.bases],
                        dict(self._members(node)))
                if path.name == "__init__.py" and isinstance(node, ast.Assign):
                    if any(getattr(t, "id", "") == "__all__" for t in node.targets):
                        self.exports = set(ast.literal_eval(node.value))

    @staticmethod
    def _members(cls: ast.ClassDef) -> Iterator[Tuple[str, ast.AST]]:
        for node in cls.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield node.name, node
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        yield target.id, node
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                yield node.target.id, node

    def member(self, cls: str, name: str) -> Optional[ast.AST]:
        if cls not in self.classes:
            return None
        bases, members = self.classes[cls]
        if name in members:
            return members[name]
        for base in bases:
            found = self.member(base, name)
            if found is not None:
                return found
        return None

    def has(self, spec: str) -> bool:
        m = re.match(r"^(\w+)(?:\.(\w+))?(?:\((\w+)\))?$", spec)
        if not m:
            return False
        owner, member, keyword = m.groups()
        if owner == "shmring":
            return member in self.exports
        if member is None:
            return owner in self.exports
        node = self.member(owner, member)
        if node is None:
            return False
        if keyword is None:
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        args = node.args
        return keyword in [a.arg for a in args.args + args.kwonlyargs]

    def deprecated(self, old: str, new: str) -> bool:
        """The old name is made by shmring._deprecated and names the new one."""
        cls, name = old.split(".")
        node = self.member(cls, name)
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
            return False
        call = node.value
        made_there = (isinstance(call.func, ast.Attribute)
                      and getattr(call.func.value, "id", "") == "_deprecated")
        strings = [a.value for a in call.args if isinstance(a, ast.Constant)]
        return made_there and new.split(".")[-1] in strings and self.has(new)


# ---- Rust ---------------------------------------------------------------------------


def blocks(code: str, opening: str) -> Iterator[str]:
    """The bodies of every `opening ... {` block (braces matched)."""
    for m in re.finditer(opening, code):
        start = code.find("{", m.end())
        if start < 0 or ";" in code[m.end():start]:
            continue
        depth, i = 0, start
        while i < len(code):
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            if depth == 0:
                break
            i += 1
        yield code[start + 1:i]


def marked_before(code: str, index: int, mark: str) -> bool:
    """`mark` in the attributes and comments right above the item at index."""
    for line in reversed(code[:index].splitlines()):
        line = line.strip()
        if not line.startswith(("#[", "//")):
            return False
        if mark in line:
            return True
    return False


class RustCrate:
    def __init__(self, root: pathlib.Path) -> None:
        self.code = "\n".join(p.read_text() for p in
                              sorted((root / "bindings/rust/shmring/src").glob("*.rs")))

    def _field(self, owner: str, name: str) -> Optional[int]:
        for m in re.finditer(rf"pub struct {owner}\b", self.code):
            for body in blocks(self.code[m.start():], rf"pub struct {owner}\b"):
                f = re.search(rf"^\s*pub {name}:", body, re.M)
                if f:
                    return m.start() + self.code[m.start():].find(body) + f.start()
                break
        return None

    def has(self, spec: str) -> bool:
        if "::" in spec:
            owner, name = spec.split("::")
            impls = rf"impl(<[^>]*>)?\s+({owner}\b|[\w:]+(<[^>]*>)?\s+for\s+{owner}\b)"
            if any(re.search(rf"\bpub (const )?fn {name}\b|\bpub const {name}\b", body)
                   for body in blocks(self.code, impls)):
                return True
            return any(re.search(rf"^\s*{name}\b\s*[,({{]", body, re.M)
                       for body in blocks(self.code, rf"pub enum {owner}\b"))
        if "." in spec:
            return self._field(*spec.split(".")) is not None
        return re.search(rf"\bpub (fn|const|struct|enum|type|static) {spec}\b", self.code) is not None

    def deprecated(self, old: str, new: str) -> bool:
        owner, name = old.split(".")
        index = self._field(owner, name)
        return index is not None and marked_before(self.code, index, "#[deprecated") and self.has(new)


# ---- Go ----------------------------------------------------------------------------------


class GoPackage:
    def __init__(self, root: pathlib.Path) -> None:
        self.code = "\n".join(p.read_text() for p in sorted((root / "bindings/go").glob("*.go"))
                              if not p.name.endswith("_test.go"))

    def _find(self, spec: str) -> Optional[int]:
        if "." in spec:
            owner, name = spec.split(".")
            m = re.search(rf"^func \(\w+ \*?{owner}\) {name}\(", self.code, re.M)
            if m:
                return m.start()
            for s in re.finditer(rf"^type {owner} struct", self.code, re.M):
                for body in blocks(self.code[s.start():], rf"type {owner} struct"):
                    f = re.search(rf"^\s*(\w+\s*,\s*)*{name}\b(\s*,\s*\w+)*\s+[\w\[\]*]", body, re.M)
                    if f:
                        return s.start() + self.code[s.start():].find(body) + f.start()
                    break
            return None
        m = re.search(rf"^(func {spec}\b[\[(]|type {spec}\b|(var|const) {spec}\b)"
                      rf"|^\t{spec}\b\s*(=|[\w.]+\s*=)", self.code, re.M)
        return m.start() if m else None

    def has(self, spec: str) -> bool:
        return self._find(spec) is not None

    def deprecated(self, old: str, new: str) -> bool:
        index = self._find(old)
        return index is not None and marked_before(self.code, index, "// Deprecated:") and self.has(new)


# ---- the check ---------------------------------------------------------------------------


def check(root: pathlib.Path) -> List[str]:
    text = (root / "docs/api-map.md").read_text()
    bindings = {"C": CHeader(root), "Python": PythonPackage(root),
                "Rust": RustCrate(root), "Go": GoPackage(root)}
    problems: List[str] = []
    rows = deprecated = 0
    for header, cells in table_rows(text):
        if header[:1] == ["concept"]:
            rows += 1
            for language in LANGUAGES:
                cell = cells[header.index(language)]
                names = names_in(cell)
                if not names and cell != "—":
                    problems.append(f"{cells[0]} / {language}: neither names nor —: {cell!r}")
                for name in names:
                    if not NAME.match(name):
                        problems.append(f"{cells[0]} / {language}: {name!r} is not a name")
                    elif not bindings[language].has(name):
                        problems.append(f"{cells[0]} / {language}: {name} not found")
        elif header == ["language", "old name", "new name"]:
            deprecated += 1
            language, old, new = cells[0], names_in(cells[1])[0], names_in(cells[2])[0]
            if not bindings[language].deprecated(old, new):
                problems.append(f"deprecated {language} {old}: missing, not marked "
                                f"deprecated, or {new} missing")
    if rows < 50 or deprecated < 10:
        problems.append(f"only {rows} concept rows and {deprecated} deprecated names read: "
                        "has the map's table format changed?")
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    problems = check(root)
    for p in problems:
        print(f"docs/api-map.md: {p}")
    if not problems:
        print("docs/api-map.md: every name exists in its binding")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
