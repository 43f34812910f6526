"""iceoryx2 (PyPI): not wired in yet; every row says so."""

from __future__ import annotations

import iceoryx2  # noqa: F401  (not installed: the registry's "not installed" row)

from ._transports import Channel


class Iceoryx2(Channel):
    unsupported = "iceoryx2 installs, but its transport is not written yet"
