"""A per-file time budget (`--parse-timeout`): a file that takes longer is an error naming the budget.

A parser that backtracks badly on some input must cost one file, never the run (checkov gives HCL 10 s too). The
budget is a SIGALRM interval timer, so it also interrupts a regular expression (the `re` engine checks signals);
where there is no SIGALRM (Windows) or the scan does not run in the main thread, files are not timed.
"""

from __future__ import annotations

import signal
import threading
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


def budget_message(seconds: float) -> str:
    return f"gave up after the time budget of {seconds:g} s (--parse-timeout)"
