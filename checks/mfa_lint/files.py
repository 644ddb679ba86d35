"""Which files a scan reads, and their text: the walk (skipped folders, symlink loops) and the size limit.

Every failure is a ScanError (one line naming the file) or a SourceError for the caller to turn into one.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mfa_lint.sources.site import SourceError

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn"})
TERRAFORM_EXT = (".tf",)
JSON_EXT = (".json",)
YAML_EXT = (".yaml", ".yml")
TEMPLATE_EXT = (".template",)
#: Terraform template files (`templatefile()`): a policy document in them is read with `${...}` unknown
POLICY_TEMPLATE_EXT = (".tpl", ".tftpl")
CANDIDATE_EXT = TERRAFORM_EXT + JSON_EXT + YAML_EXT + TEMPLATE_EXT + POLICY_TEMPLATE_EXT


@dataclass(frozen=True)
class ScanError:
    """A file (or folder) that could not be read, and why, in one line."""

    file: str
    message: str


def _is_candidate(name: str) -> bool:
    return name.lower().endswith(CANDIDATE_EXT)


def collect_files(paths: Iterable[str], errors: list[ScanError]) -> list[tuple[str, bool]]:
    """(file, named explicitly) for every candidate file under `paths`, each once, in a stable order."""
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()

    def add(path: str, explicit: bool) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            out.append((path, explicit))

    for raw in paths:
        path = os.path.normpath(raw)
        if not os.path.lexists(path):
            errors.append(ScanError(raw, "no such file or directory"))
        elif os.path.isdir(path):
            for file in _walk(path, errors):
                add(file, False)
        else:
            add(path, True)
    return out


def _walk(top: str, errors: list[ScanError]) -> Iterable[str]:
    """os.walk with symlinked directories followed once (a loop is cut where it comes back)."""
    visited: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        errors.append(ScanError(exc.filename or top, f"cannot read directory: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(top, followlinks=True, onerror=on_error):
        try:
            st = os.stat(dirpath)
        except OSError as exc:
            on_error(exc)
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in visited:
            dirnames[:] = []
            continue
        visited.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if _is_candidate(name):
                yield os.path.normpath(os.path.join(dirpath, name))


def read_text(path: str, max_file_size: int, overrides: Mapping[str, str] | None = None) -> str:
    """The file as text (UTF-8, BOM dropped, CRLF read as LF: lines and columns stay those of the file).

    `overrides`: texts to use instead of the files (`fix --diff` re-scans its fixed texts without writing them).
    """
    if overrides and path in overrides:
        return overrides[path]
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
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text (byte {exc.start})") from None
    return text.replace("\r\n", "\n")
