"""The Rust and Go stages (PROTOCOL.md): started as programs from a bin
folder; their JSON lines on stdout become events like the Python stages'."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from .errors import BadInput

NATIVE_STAGES = {"stats": "pipeline-stats", "liveview": "pipeline-liveview"}


class NativeStage:
    """One running native stage. Each JSON line it prints is passed to
    `on_event`; anything else on stdout, and its stderr, is kept for the
    error report."""

    def __init__(self, stage: str, program: Path, ring: str, out_dir: Path,
                 on_event: Callable[[Dict[str, Any]], None]) -> None:
        self.stage = stage
        self.stderr: List[str] = []
        self.process = subprocess.Popen(
            [str(program), "--ring", ring, "--out", str(out_dir)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._on_event = on_event
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                self.stderr.append(line.rstrip())
                continue
            if isinstance(event, dict) and event.get("stage") == self.stage:
                self._on_event({**event, "member": 0, "pid": self.pid})

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line.rstrip())

    def exit_code(self) -> Optional[int]:
        """None while it runs; once it has exited, after its output is read."""
        code = self.process.poll()
        if code is not None:
            for thread in self._threads:
                thread.join(1.0)
        return code

    def last_error(self) -> Optional[str]:
        return self.stderr[-1] if self.stderr else None

    def terminate(self) -> None:
        """SIGTERM: the stage exits 130 promptly (PROTOCOL.md)."""
        if self.process.poll() is None:
            self.process.terminate()

    def wait_or_kill(self, timeout: float) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for thread in self._threads:
            thread.join(1.0)


def native_programs(bin_dir: Path) -> Dict[str, Path]:
    """The stage programs in bin_dir, or BadInput naming the first missing."""
    programs = {stage: bin_dir / name for stage, name in NATIVE_STAGES.items()}
    for program in programs.values():
        if not program.is_file():
            raise BadInput(
                f"{program} not found: build it with "
                f"`bash examples/pipeline/native/build.sh {bin_dir}` (scripts/run.sh does), "
                "or pass --skip-native")
    return programs
