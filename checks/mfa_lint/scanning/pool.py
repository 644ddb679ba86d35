"""Scan many files on every core (`--jobs N`): a process pool whose reports come back in walk order, so the output
is the same, byte for byte, as a serial scan's.

The cheap triage (read, sniff, skip filter) runs in this process; only the files it keeps go to the workers, in
consecutive chunks, so a Terraform module's files (which share their siblings' texts) mostly land in the same
worker. Few files to parse stay serial: starting workers (each imports the parsers) costs more than they save.
"""

from __future__ import annotations

import copy as copy_module
import dataclasses
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from enum import Enum
from typing import Any

from mfa_lint.formats.registry import prepare
from mfa_lint.reading.context import ReadContext
from mfa_lint.scanning.file_scan import ToParse, read_context, scan_file, triage
from mfa_lint.scanning.options import ScanOptions
from mfa_lint.scanning.results import UNREADABLE, FileReport
from mfa_lint.scanning.walk import ScanError

#: Fewer files than this per worker and the scan runs serially.
MIN_FILES_PER_WORKER = 16
CHUNK = 8
WORKER_DIED = "not scanned: a worker process died (killed or out of memory); --jobs 1 shows which file"

_worker_options: ScanOptions | None = None
_worker_context: ReadContext | None = None


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(jobs: int | None, files: int) -> int:
    """How many processes to use: `jobs` (None: one per CPU), fewer for small scans, 1 for a serial scan."""
    wanted = available_cpus() if jobs is None else max(1, jobs)
    return max(1, min(wanted, files // MIN_FILES_PER_WORKER))


def _init(options: ScanOptions) -> None:
    global _worker_options, _worker_context
    _worker_options = options
    _worker_context = read_context(options)


def _parse_one(task: tuple[str, bool]) -> FileReport:
    """In a worker: the file again from disk (cheaper than sending its text), triaged and parsed."""
    assert _worker_options is not None and _worker_context is not None
    return plain(scan_file(task[0], task[1], _worker_options, _worker_context))


def plain(value: Any) -> Any:
    """`value` with the readers' str/int/float/dict/list subclasses (cfn-lint's position-carrying nodes, which do not
    pickle) turned into the plain types, so that a worker's report can be sent back; equal to `value`."""
    kind = type(value)
    if kind in _PLAIN or isinstance(value, Enum):  # enums (PolicyKind, NoteKind) pickle by name
        return value
    if isinstance(value, bool):
        return bool(value)
    for base in (str, int, float):
        if isinstance(value, base):
            return base(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        copy = copy_module.copy(value)
        for f in dataclasses.fields(value):
            object.__setattr__(copy, f.name, plain(getattr(value, f.name)))
        return copy
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _context() -> multiprocessing.context.BaseContext:
    """fork where it is safe (POSIX, no other thread yet): workers start at once with what is already imported."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn" if "forkserver" not in methods else "forkserver")


def scan_files(tasks: Sequence[tuple[str, bool]], options: ScanOptions) -> Iterator[FileReport]:
    """Every file's report, in the order of `tasks`.

    Serial (`--jobs 1`, one CPU): each file triaged and parsed in turn. Otherwise the triage (reading, sniffing, the
    skip filter) runs here first, keeping only the final reports and the names of the files to parse (memory stays
    flat); those are parsed by the workers when there are enough of them, else here."""
    reading = read_context(options)
    if (options.jobs or available_cpus()) == 1:
        for path, named in tasks:
            yield scan_file(path, named, options, reading)
        return
    triaged: list[FileReport | None] = []  # None: to parse
    kept: list[tuple[str, bool]] = []
    for path, named in tasks:
        item = triage(path, named, options, reading)
        if isinstance(item, ToParse):
            kept.append((path, named))
            triaged.append(None)
        else:
            triaged.append(item)
    workers = worker_count(options.jobs, len(kept))
    if workers == 1:
        pending = iter(kept)
        for report in triaged:
            yield report if report is not None else scan_file(*next(pending), options, reading)
        return
    mp_context = _context()
    if mp_context.get_start_method() == "fork":  # import the parsers once, here: every worker inherits them
        for path in {os.path.splitext(p)[1].lower(): p for p, _ in kept}.values():
            prepare(path)
    done = 0
    try:
        with ProcessPoolExecutor(workers, mp_context=mp_context, initializer=_init, initargs=(options,)) as pool:
            parsed = pool.map(_parse_one, kept, chunksize=CHUNK)
            for report in triaged:
                yield report if report is not None else next(parsed)
                done += 1
    except BrokenProcessPool:  # a worker died (killed, out of memory): say so for every file not reported, no hang
        pending = iter(kept[sum(1 for r in triaged[:done] if r is None):])
        for report in triaged[done:]:
            if report is None:
                path = next(pending)[0]
                yield FileReport(path, UNREADABLE, errors=[ScanError(path, WORKER_DIED)])
            else:
                yield report
