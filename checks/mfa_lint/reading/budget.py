"""A per-file time budget (`--parse-timeout`): a file that takes longer is an error naming the budget.

A parser that backtracks badly on some input must cost one file, never the run (checkov gives HCL 10 s too). Two
clocks, because neither works everywhere:

- a SIGALRM interval timer (`time_budget`), which also interrupts a parser or a regular expression stuck in one call
  (the `re` engine checks signals), but exists only on POSIX and in the main thread;
- a deadline (`Deadline`) that the readers' long loops check (the HCL evaluator, the module and resource loops),
  which works on every thread and host (checkov's from-file path, where installing a signal handler in checkov's
  process is not ours to do) but cannot interrupt one long call into a parser.

The read context (reading.context) starts both for each file; `ReadContext.alarm` says whether the alarm is used.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class BudgetExceeded(BaseException):
    """Raised inside the file's work when its budget runs out (a BaseException: no reader's `except Exception`
    swallows it)."""


def _raise(signum: int, frame: object) -> None:
    raise BudgetExceeded()


def can_time() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise BudgetExceeded in the block once `seconds` have passed (no limit for None, 0 or where untimable)."""
    if not seconds or seconds <= 0 or not can_time():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise)
    # the timer repeats every 0.1 s: an alarm that lands where Python ignores exceptions (a gc callback, a __del__)
    # is raised again at the next tick instead of letting the file run on past its budget
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Deadline:
    """A point in time after which `check` raises BudgetExceeded (None: no deadline)."""

    __slots__ = ("at",)

    def __init__(self, seconds: float | None = None) -> None:
        self.at = time.monotonic() + seconds if seconds and seconds > 0 else None

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at:
            raise BudgetExceeded()


NO_DEADLINE = Deadline()


def budget_message(seconds: float) -> str:
    return f"gave up after the time budget of {seconds:g} s (--parse-timeout)"
