"""The read context: everything a reader needs besides the file itself, passed explicitly on every path.

One context per scan (per worker process) and one per file checkov's from-file path reads. It holds the size limit
(`--max-file-size`, also for files a policy reads with `file()` and a called module's files), the values given for
Terraform root module variables (`--var-file`, `--var`), the texts used instead
of files on disk (`fix --diff` re-scans its fixed texts; `scan -` reads standard input), the current file's time
budget (an alarm where one works, and always a deadline the readers' loops check), the texts of the folder being
scanned, and a cache of the files policies reference, keyed by path, modification time and size: a file changed
since it was read (by `mfa-lint fix`) is read again.
"""

from __future__ import annotations

import os
import stat
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext

from mfa_lint.reading import limits
from mfa_lint.reading.budget import NO_DEADLINE, Deadline, can_time, time_budget
from mfa_lint.reading.site import SourceError


def read_text(path: str, max_file_size: int = limits.MAX_FILE_SIZE) -> str:
    """The file as text (UTF-8 or UTF-16 with a BOM, BOM dropped, CRLF read as LF: lines and columns stay those of
    the file); SourceError (one line, the reason) when it cannot be read or is over the size limit."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise SourceError("not a regular file")
    limit = max_file_size
    if st.st_size > limit:
        raise SourceError(f"file is {st.st_size} bytes, over the size limit of {limit} bytes (--max-file-size)")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise SourceError(f"file is over the size limit of {limit} bytes (--max-file-size)")
    # UTF-16 with a byte order mark: what PowerShell's `terraform show -json > plan.json` writes (checkov reads it)
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        shown = "UTF-8 or UTF-16" if encoding == "utf-16" else "UTF-8"
        raise SourceError(f"not {shown} text (byte {exc.start})") from None
    return text.replace("\r\n", "\n")


class ReadContext:
    """What every read of a file is given: limits, texts in place of files, the time budget and the file cache.

    `alarm`: time a file with SIGALRM too, where that works (POSIX, the main thread); without it only the deadline the
    readers check holds (it cannot interrupt one long call into a parser).
    """

    def __init__(
        self, *, max_file_size: int = limits.MAX_FILE_SIZE, overrides: Mapping[str, str] | None = None,
        parse_timeout: float | None = limits.PARSE_TIMEOUT, alarm: bool = True,
        tf_vars: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.max_file_size = max_file_size
        #: values for Terraform root modules' variables beyond their folders' tfvars files, later ones winning:
        #: ("file", var file path) and ("var", "name=value") (`--var-file`, `--var`; checkov's `--var-file`)
        self.tf_vars = tf_vars
        self.parse_timeout = parse_timeout
        self.alarm = alarm
        self.deadline: Deadline = NO_DEADLINE
        self._overrides = {os.path.abspath(path): text for path, text in (overrides or {}).items()}
        self._cache: OrderedDict[tuple[str, int, int], str | None] = OrderedDict()
        self._folder: tuple[str, tuple[str, ...]] | None = None
        self._folder_texts: dict[str, str] = {}

    def read(self, path: str) -> str:
        """A file to scan, as text (its override when it has one); SourceError when it cannot be read."""
        override = self._overrides.get(os.path.abspath(path))
        return override if override is not None else read_text(path, self.max_file_size)

    def referenced(self, path: str) -> str | None:
        """A file a policy reads (`file()`, a called module's files, `modules.json`), read as a scanned file is and
        cached by path, modification time and size; None when it cannot be read."""
        key = os.path.abspath(path)
        override = self._overrides.get(key)
        if override is not None:
            return override
        try:
            st = os.stat(key)
        except OSError:
            return None
        stamp = (key, st.st_mtime_ns, st.st_size)
        if stamp in self._cache:
            self._cache.move_to_end(stamp)
            return self._cache[stamp]
        try:
            text: str | None = read_text(key, self.max_file_size)
        except SourceError:
            text = None
        self._cache[stamp] = text
        while len(self._cache) > limits.CACHED_FILES:
            self._cache.popitem(last=False)
        return text

    def folder_texts(self, directory: str, suffixes: tuple[str, ...]) -> dict[str, str]:
        """path -> text of the files in `directory` whose names end with one of `suffixes` (unreadable ones left out:
        they are reported when scanned). Only the last folder is kept: a walk visits a folder's files together."""
        directory = directory or "."
        if self._folder != (directory, suffixes):
            self._folder, self._folder_texts = (directory, suffixes), self._read_folder(directory, suffixes)
        return self._folder_texts

    def _read_folder(self, directory: str, suffixes: tuple[str, ...]) -> dict[str, str]:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            names = []
        texts: dict[str, str] = {}
        for name in names:
            if name.lower().endswith(suffixes):
                path = os.path.normpath(os.path.join(directory, name))
                try:
                    texts[path] = self.read(path)
                except SourceError:
                    continue
        return texts

    @contextmanager
    def budget(self) -> Iterator[None]:
        """One file's time budget: BudgetExceeded once `parse_timeout` has passed (none for None or 0)."""
        seconds = self.parse_timeout
        self.deadline = Deadline(seconds)
        try:
            with time_budget(seconds) if self.alarm and can_time() else nullcontext():
                yield
        finally:
            self.deadline = NO_DEADLINE

    def check_time(self) -> None:
        """Raise BudgetExceeded when the current file's deadline has passed (the readers' long loops call this)."""
        self.deadline.check()
