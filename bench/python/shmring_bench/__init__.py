"""python -m shmring_bench: shmring against Python's IPC peers, side by side.

One invocation runs each workload for each transport in turn, writers and
readers in separate processes, every message verified by its readers, and
prints markdown tables with ratios to a baseline transport.

    python -m shmring_bench                      # 2 s per cell
    python -m shmring_bench --smoke              # correctness only, fast
    python -m shmring_bench.chart results.json out.png
    python -m shmring_bench.doc results.json results.md docs/benchmarks.md

Modules: _workloads (what each workload moves), _payload (messages and their
check), _transports (the channel interface and the built-in transports),
_peers_* (optional peers: faster-fifo, pyzmq, iceoryx2), _fanout (broadcast
emulated with a channel per reader), _counter (a count shared by a cell's
processes), _registry (transports by name), _roles (what each process of a
cell does, and its report), _cells (one cell's processes and verdict),
_results (the row schema, --json), _table (the report), _seed_perf (the
seed README's perf scenarios), _targets (issue #6's targets from the rows),
chart, doc, __main__ (the command line).
"""
