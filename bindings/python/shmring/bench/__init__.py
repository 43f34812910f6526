"""python -m shmring.bench: shmring against Python's IPC peers, side by side.

One invocation runs each workload for each transport in turn, writer and
reader in separate (forked) processes, every message verified by its reader,
and prints markdown tables with ratios to a baseline transport.

    python -m shmring.bench                      # 2 s per cell
    python -m shmring.bench --smoke              # correctness only, fast

Modules: _payload (messages and their check), _transports (one channel class
per transport), _cells (the processes of one cell), _table (the report),
__main__ (the command line and the run).
"""
