"""Every atomic access in c/src (and bench/c) names why its memory order is enough,
and every pair it names exists.

Each call of the atomics vocabulary (c/src/atomics.h, or <stdatomic.h>'s
*_explicit calls) must have, on its line or in the comment just above it,
either SYNC(label) -- the same label at both ends of the pair -- or
"Relaxed:" with the reason relaxed suffices. Then, per label:

- the pair exists: among the accesses carrying the label, one is a release
  (or stronger) store, RMW or fence and another an acquire (or stronger)
  load, RMW or fence;
- the partner named exists: a comment "SYNC(label): pairs with OP in FUNC"
  must name at least one function defined in the checked files, every
  function it names must be defined there and carry an access labelled
  `label`, and if it names the operation (load_acquire, cas_seq_cst, the
  CAS, the fetch_add, ...) one of those accesses must be that operation.

Exit status 1 lists the offenders. tests/lint/sync_comments_selftest.py
proves that each rule catches what it is for.
"""
import pathlib
import re
import sys

VOCABULARY = (r"load_(?:relaxed|acquire|seq_cst)|store_(?:relaxed|release|seq_cst)|"
              r"fetch_(?:add|sub)_(?:relaxed|seq_cst)|cas_seq_cst|"
              r"seqlock_fence_(?:release|acquire)|"
              r"atomic_(?:load|store|exchange|fetch_[a-z]+|compare_exchange_[a-z]+)_explicit")
ATOMIC_CALL = re.compile(rf"\b({VOCABULARY})\(")
JUSTIFICATION = re.compile(r"SYNC\([a-z-]+\)|Relaxed[: ]")
LABEL = re.compile(r"SYNC\(([a-z-]+)\)")
# "SYNC(a), SYNC(b): pairs with the cas_seq_cst in claim_slots." -- the
# clause runs to the end of its sentence (or to the next SYNC label).
PAIRS_WITH = re.compile(r"pairs\s+with\s+(.*?)(?:\.(?:\s|$)|;|SYNC\(|$)", re.S)
FUNCTION_DEFINITION = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([a-z_][a-z0-9_]*)\([^;]*$")
IDENTIFIER = re.compile(r"\b([a-z][a-z0-9]*_[a-z0-9_]+)\b")
# How a comment names an operation, as a test of the accesses that count as it.
OPERATION_WORDS = [
    (re.compile(rf"\b({VOCABULARY})\b"), lambda found: lambda a: a.call == found),
    (re.compile(r"\b(fetch_add|fetch_sub)\b"), lambda found: lambda a: a.call.startswith(found)),
    (re.compile(r"\b(CAS)\b"), lambda found: lambda a: a.call == "cas_seq_cst"
     or a.call.startswith("atomic_compare_exchange")),
    (re.compile(r"\b(release stores?)\b"), lambda found: lambda a: a.releases and "store" in a.call),
    (re.compile(r"\b(acquire loads?)\b"), lambda found: lambda a: a.acquires and "load" in a.call),
]
OPERATION_NAME = re.compile(VOCABULARY + r"|fetch_add|fetch_sub")
# "in claim_slots", "in claim_slots and clear_claim": where a partner is.
PLACE = re.compile(r"(?:\bin|\band|,)\s+(?:\*\s+)?([a-z][a-z0-9]*_[a-z0-9_]+)\b(?!\.[a-z])")
WORD = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\b")
OPERATION_ARGUMENTS = re.compile(rf"\b({VOCABULARY})\([^)]*\)")
VOCABULARY_HEADER = "atomics.h"  # defines the calls: not accesses
LOOKBACK = 8  # lines above a call that its comment may occupy

RELEASE_ORDERS = ("memory_order_release", "memory_order_acq_rel", "memory_order_seq_cst")
ACQUIRE_ORDERS = ("memory_order_acquire", "memory_order_acq_rel", "memory_order_seq_cst")


def strength(call, line):
    """(releases, acquires): what one call can be at either end of a pair."""
    if call.startswith("atomic_"):
        loads = call.startswith("atomic_load")
        stores = call.startswith("atomic_store")
        releases = not loads and any(order in line for order in RELEASE_ORDERS)
        acquires = not stores and any(order in line for order in ACQUIRE_ORDERS)
        return releases, acquires
    if call in ("cas_seq_cst", "fetch_add_seq_cst", "fetch_sub_seq_cst"):
        return True, True
    return (call in ("store_release", "store_seq_cst", "seqlock_fence_release"),
            call in ("load_acquire", "load_seq_cst", "seqlock_fence_acquire"))


def comment_above(lines, index):
    """The comment that belongs to the call on lines[index]: one on that line,
    or the nearest comment block above it, across the lines of the statement
    (or of a run of calls) in between, at most LOOKBACK lines up."""
    own = lines[index] if ("/*" in lines[index] or "//" in lines[index]) else ""
    if JUSTIFICATION.search(own):
        return own  # "store(...); /* SYNC(x) */" -- its own, not the one above
    end = index - 1
    while end >= 0 and index - end <= LOOKBACK and not is_comment(lines[end]):
        if not lines[end].strip() or lines[end].startswith("}"):
            return own or lines[index]  # past a blank line or a function's end: none
        end -= 1
    if end < 0 or index - end > LOOKBACK:
        return own or lines[index]
    first = end
    while first > 0 and is_comment(lines[first - 1]) and not lines[first].lstrip().startswith("/*"):
        first -= 1
    return "\n".join(lines[first:end + 1] + [lines[index]])


def is_comment(line):
    stripped = line.strip()
    return stripped.startswith(("/*", "*", "//")) or stripped.endswith("*/")


class Access:
    def __init__(self, path, number, call, line, comment):
        self.where = f"{path.name}:{number}"
        self.call = call
        self.releases, self.acquires = strength(call, line)
        self.comment = comment
        self.labels = LABEL.findall(comment)
        self.function = None


def scan(source_dir):
    """Every atomic access of the files, with its comment and function, and
    the names of the functions (and function-like macros) they define."""
    accesses, functions = [], set()
    # Calls in every file but the vocabulary's own definitions (atomics.h);
    # names in all.
    for path in sorted(source_dir.glob("*.[ch]")):
        lines = path.read_text().splitlines()
        current = None
        code_lines = code_only(lines)
        for index, line in enumerate(lines):
            macro = re.match(r"\s*#\s*define\s+([a-z_][a-z0-9_]*)\(", line)
            if macro:
                if not OPERATION_NAME.fullmatch(macro.group(1)):
                    functions.add(macro.group(1))
                continue
            definition = FUNCTION_DEFINITION.match(line)
            if definition and not line.startswith((" ", "\t", "}")):
                current = definition.group(1)
                functions.add(current)
            if path.name == VOCABULARY_HEADER or line.lstrip().startswith("#define"):
                continue
            for match in ATOMIC_CALL.finditer(code_lines[index]):
                access = Access(path, index + 1, match.group(1), line,
                                comment_above(lines, index))
                access.function = current
                accesses.append(access)
    return accesses, functions


def code_only(lines):
    """Each line with its comments blanked out (a call named in a comment
    is no access)."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                  "\n".join(lines), flags=re.S)
    return text.split("\n")


def named_operations(clause):
    """{name as written: test} for each operation the clause names."""
    named = {}
    for pattern, meaning in OPERATION_WORDS:
        for found in pattern.findall(clause):
            named[found] = meaning(found)
    return named


def check_clause(access, labels, clause, functions, labelled):
    """One "pairs with ..." clause and the labels it is written for."""
    clause = OPERATION_ARGUMENTS.sub(r"\1", clause)  # load_seq_cst(tail) -> load_seq_cst
    words = [w for w in WORD.findall(clause) if not OPERATION_NAME.fullmatch(w)]
    defined = [w for w in dict.fromkeys(words) if w in functions]
    said = " ".join(clause.split())
    problems = [f"{access.where}: SYNC({labels[0]}) pairs with {w}, which is not a function "
                "defined here" for w in dict.fromkeys(PLACE.findall(clause))
                if w not in functions and not OPERATION_NAME.fullmatch(w)]
    if not defined:
        return problems + [f"{access.where}: SYNC({labels[0]}) does not name the function "
                           f"of its partner (\"pairs with {said}\")"]

    def partners(label, names):
        return [a for a in labelled.get(label, ()) if a.function in names and a is not access]

    for name in defined:  # each function named holds one end of one of the labels
        if not any(partners(label, [name]) for label in labels):
            problems.append(f"{access.where}: pairs with {name}, which has no access "
                            f"labelled {' or '.join(f'SYNC({x})' for x in labels)}")
    operations = named_operations(clause)
    for label in labels:
        candidates = partners(label, defined)
        if not candidates:
            problems.append(f"{access.where}: SYNC({label}) pairs with {', '.join(defined)}, "
                            f"where no access is labelled SYNC({label})")
        elif operations and not any(is_it(a) for a in candidates
                                    for is_it in operations.values()):
            found = ", ".join(sorted({f"{a.call} in {a.function}" for a in candidates}))
            problems.append(f"{access.where}: SYNC({label}) pairs with "
                            f"{'/'.join(sorted(operations))} in {', '.join(defined)}, but "
                            f"SYNC({label}) is on {found} there")
    return problems


def main(source_dir: pathlib.Path) -> int:
    accesses, functions = scan(source_dir)
    problems = []
    labelled = {}
    for access in accesses:
        if not JUSTIFICATION.search(access.comment):
            problems.append(f"{access.where}: no SYNC(...) or Relaxed: comment for {access.call}")
        for label in access.labels:
            labelled.setdefault(label, []).append(access)
    for label, ends in sorted(labelled.items()):
        if not any(a.releases for a in ends) or not any(a.acquires for a in ends) \
                or len(ends) < 2:
            kinds = ", ".join(f"{a.call} at {a.where}" for a in ends)
            problems.append(f"SYNC({label}) is no release/acquire pair: {kinds}")
    for access in accesses:
        pending = []  # "SYNC(a), SYNC(b): pairs with ..." -- both labels take the clause
        for segment in re.split(r"(?=SYNC\()", access.comment):
            pending += LABEL.findall(segment)
            clause = PAIRS_WITH.search(segment)
            if not clause:
                continue
            problems += check_clause(access, pending or access.labels, clause.group(1),
                                     functions, labelled)
            pending = []
    for problem in problems:
        print(problem)
    print(f"{len(labelled)} SYNC labels checked; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    here = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "c/src")
    sys.exit(main(here))
