# Sourced by the scripts that run pytest as one phase of scripts/test.sh.
#
# pytest_summary LABEL LOG RC: print "LABEL: N passed, N failed" from the
# last line of pytest's output in LOG. Errors count as failures, and a
# nonzero RC with no failure counted (a crash, a collection error) as one.
pytest_summary() {
  local label="$1" log="$2" rc="$3" last passed failed n
  last="$(tail -n 1 "$log")"
  passed="$(grep -oE '[0-9]+ passed' <<<"$last" | grep -oE '[0-9]+' || echo 0)"
  failed=0
  for n in $(grep -oE '[0-9]+ (failed|errors?)' <<<"$last" | grep -oE '^[0-9]+'); do
    failed=$(( failed + n ))
  done
  if (( rc != 0 && failed == 0 )); then failed=1; fi
  echo "$label: $passed passed, $failed failed"
}
