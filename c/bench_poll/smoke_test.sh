#!/usr/bin/env bash
# poll_bench as a test: a short run of every case, each poll checked for the
# status it must return (poll_bench exits 1 on any other). No timing is
# asserted.
set -u
"$1" 1000 1 || { echo "FAIL: poll_bench"; exit 1; }
echo "poll bench smoke: every poll returned EEMPTY or EFULL"
