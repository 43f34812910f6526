"""python -m shmring.perf: the seed library's perf tool, on shmring.

Every command line of the seed's perf_test_ringbuffer.py runs unchanged
(apart from the program name) and prints the same per-process report; the
tool adds more writers, groups, lossy readers, zero-copy I/O, a choice of
start method, a live progress line and a final summary table.

    python -m shmring.perf --slot-bytes=1000000 --slots=50 \\
        --duration-seconds=10 --writes-per-second=24 --readers=5

Modules: _flags (the command line), _payload (what a message holds and how a
reader checks it), _roles (the writer and reader processes), _report (the
per-process report, the progress line, the summary table), __main__ (the run).
"""
