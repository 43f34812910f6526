"""The two ways a run ends early that the user is told about in one line."""


class BadInput(Exception):
    """The source or the native stages cannot be used (exit status 2)."""


class StageFailed(Exception):
    """A stage failed, died or stopped moving (exit status 1)."""
