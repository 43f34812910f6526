#!/usr/bin/env bash
# Wraps every test binary (via `test --run_under` in .bazelrc).
# Test programs follow the automake convention: exit 0 = pass, 77 = skip,
# anything else = fail. Bazel has no "skipped" state, so a skip is reported as
# PASSED with a SKIPPED line in the test log (bazel-testlogs/.../test.log) and
# the reason recorded in TEST_UNDECLARED_OUTPUTS_DIR (if available).
"$@"
rc=$?
if [[ $rc -eq 77 ]]; then
  echo "SKIPPED: $(basename "$1") exited 77 (skip)"
  if [[ -n "${TEST_UNDECLARED_OUTPUTS_DIR:-}" ]]; then
    echo "skipped (exit 77)" >"$TEST_UNDECLARED_OUTPUTS_DIR/SKIPPED" 2>/dev/null || true
  fi
  exit 0
fi
exit $rc
