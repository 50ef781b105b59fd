"""Run several commands as one (``tinhso run-all``, ``make run``): one Ctrl-C stops them all.

Each child runs in its own process group, so the terminal's Ctrl-C reaches the supervisor only;
the supervisor forwards SIGINT to every group (a child's own children included, such as the
development server's reloader), waits ``grace`` seconds, then kills what is left. When one child
exits on its own, the others are stopped the same way and its exit code is returned. On Linux a
child also receives SIGTERM if the supervisor itself is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TextIO

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def supervise(
    programs: dict[str, list[str]],
    *,
    grace: float = 10.0,
    out: TextIO = sys.stdout,
    poll: float = 0.2,
    env: dict[str, str] | None = None,
    started: Callable[[dict[str, int]], None] | None = None,
) -> int:
    """Start ``programs`` (name → argv), run until a signal or a child's exit, stop them all."""
    requested: list[int] = []

    def on_signal(signum, _frame):
        requested.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen] = {}
    code = 0
    try:
        for name, argv in programs.items():
            children[name] = subprocess.Popen(  # noqa: S603 - our own commands
                argv, process_group=0, preexec_fn=_die_with_parent, env=env
            )
            out.write(f"run-all: {name} started, pid {children[name].pid}\n")
        out.flush()
        if started:
            started({name: proc.pid for name, proc in children.items()})
        while not requested:
            ended = next((n for n, p in children.items() if p.poll() is not None), None)
            if ended is not None:
                code = children[ended].returncode or 1
                out.write(f"run-all: {ended} exited ({code}); stopping the others\n")
                break
            time.sleep(poll)
    finally:
        for proc in children.values():
            _signal_group(proc.pid, signal.SIGINT)
        deadline = time.monotonic() + grace
        for proc in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            while _group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _group_alive(proc.pid) or proc.poll() is None:
                out.write(f"run-all: killing pid {proc.pid}, still running after {grace}s\n")
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        out.write("run-all: stopped\n")
        out.flush()
    return code
