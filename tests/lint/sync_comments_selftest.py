"""Each rule of sync_comments.py catches what it is for: small C files with
one defect each must be refused with the matching message, and a correct
pair must pass. Run: python3 tests/lint/sync_comments_selftest.py"""
import contextlib
import io
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import sync_comments  # noqa: E402

GOOD = """
void publish(int *slot, atomic_u64 *stamp) {
    /* SYNC(published): pairs with load_acquire(stamp) in consume. */
    store_release(stamp, 1);
}

int consume(atomic_u64 *stamp) {
    /* SYNC(published): pairs with store_release(stamp) in publish. */
    return load_acquire(stamp) == 1;
}

int peek(atomic_u64 *count) {
    /* Relaxed: a statistic only. */
    return load_relaxed(count);
}
"""

CASES = {
    "a correct pair passes": (GOOD, None),
    "an access without a comment": (
        GOOD + "int bare(atomic_u64 *x) {\n    return load_relaxed(x);\n}\n",
        "no SYNC(...) or Relaxed: comment for load_relaxed"),
    "a label at one end only": (
        GOOD + "int lonely(atomic_u64 *x) {\n    /* SYNC(alone): pairs with store_release"
        " in publish. */\n    return load_acquire(x);\n}\n",
        "SYNC(alone) is no release/acquire pair"),
    "two acquire ends are no pair": (
        GOOD.replace("store_release(stamp, 1)", "load_acquire(stamp)"),
        "SYNC(published) is no release/acquire pair"),
    "a partner function that does not exist": (
        GOOD.replace("in consume.", "in consume_all."),
        "pairs with consume_all, which is not a function defined here"),
    "a partner named by no function": (
        GOOD.replace("in consume.", "in the readers."),
        "does not name the function of its partner"),
    "a partner function without the label": (
        GOOD.replace("pairs with load_acquire(stamp) in consume.",
                     "pairs with load_relaxed(count) in peek."),
        "pairs with peek, which has no access labelled SYNC(published)"),
    # The stale pair once at c/src/recovery.c:56: the comment named the CAS,
    # while the label sat on a release store in that function.
    "a stale operation in a pair": (
        """
void claim(atomic_u64 *record, atomic_u64 *tail, uint64_t t) {
    /* SYNC(claim-record): published by the CAS below. */
    store_release(record, t);
    /* SYNC(tail-claim): pairs with load_seq_cst(tail) in recover. */
    cas_seq_cst(tail, &t, t + 1);
}

void recover(atomic_u64 *record, atomic_u64 *tail) {
    /* SYNC(tail-claim), SYNC(claim-record): pairs with the cas_seq_cst in
     * claim, which publishes the relaxed record store before it. */
    load_seq_cst(tail);
}
""",
        "SYNC(claim-record) pairs with cas_seq_cst in claim, but SYNC(claim-record) is "
        "on store_release in claim there"),
}


def run(source):
    with tempfile.TemporaryDirectory() as directory:
        pathlib.Path(directory, "case.c").write_text(source)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = sync_comments.main(pathlib.Path(directory))
        return status, out.getvalue()


def main():
    passed = failed = 0
    for name, (source, expected) in CASES.items():
        status, output = run(source)
        ok = (status == 0) if expected is None else (status == 1 and expected in output)
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
        if not ok:
            print("  expected:", expected or "no problem")
            print("  got:", output.replace("\n", "\n       "))
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
