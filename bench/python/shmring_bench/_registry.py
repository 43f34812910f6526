"""The transports by name: built-in ones always run; an optional peer runs
if its package imports, and its rows say why not otherwise."""

from __future__ import annotations

import importlib
from typing import Dict, Tuple, Type, Union

from ._transports import (Channel, MpPipe, MpQueue, MpSimpleQueue, SharedMemoryIndex,
                          ShmringCopy, ShmringZeroCopy)

BUILTIN: Dict[str, Type[Channel]] = {
    "shmring": ShmringCopy,
    "shmring-zc": ShmringZeroCopy,
    "queue": MpQueue,
    "simplequeue": MpSimpleQueue,
    "pipe": MpPipe,
    "shm-index": SharedMemoryIndex,
}
#: name → (module of this package that defines it, class name); the module
#: imports the peer's package, so an ImportError means it is not installed.
OPTIONAL: Dict[str, Tuple[str, str]] = {
    "faster-fifo": ("_peers_fifo", "FasterFifo"),
    "zmq": ("_peers_zmq", "Zmq"),
    "iceoryx2": ("_peers_iceoryx2", "Iceoryx2"),
    "zmq-tcp": ("_peers_zmq", "ZmqTcp"),
    "bridge": ("_peers_bridge", "Bridge"),
}
NAMES = list(BUILTIN) + list(OPTIONAL)


def lookup(name: str) -> Union[Type[Channel], str]:
    """The channel class, or why it cannot run ("skipped: ...")."""
    if name in BUILTIN:
        return BUILTIN[name]
    module, cls = OPTIONAL[name]
    try:
        found: Type[Channel] = getattr(importlib.import_module("." + module, __package__), cls)
    except ImportError as e:
        return f"skipped: {e.name or name} not installed"
    return found
