"""Module context: a Terraform module is its whole directory, so a `.tf` file is read with its siblings' texts
(variables, locals and policy-document data sources defined next to it)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from mfa_lint.reading.site import SourceError
from mfa_lint.scanning.walk import TERRAFORM_EXT, read_text


class ModuleTexts:
    """The other `.tf` files of a file's directory, read once per directory.

    Only the current directory is kept: a walk visits a directory's files together, so memory stays flat.
    """

    def __init__(self, max_file_size: int, overrides: Mapping[str, str] | None = None) -> None:
        self._max_file_size = max_file_size
        self._overrides = overrides or {}
        self._directory: str | None = None
        self._texts: dict[str, str] = {}

    def siblings(self, path: str) -> dict[str, str]:
        """path -> text of the module's other `.tf` files (an unreadable one is reported when it is scanned)."""
        directory = os.path.dirname(path) or "."
        if directory != self._directory:
            self._directory, self._texts = directory, self._read(directory)
        me = os.path.normpath(path)
        return {p: t for p, t in self._texts.items() if p != me}

    def _read(self, directory: str) -> dict[str, str]:
        texts: dict[str, str] = {}
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            names = []
        for name in names:
            if name.lower().endswith(TERRAFORM_EXT):
                other = os.path.normpath(os.path.join(directory, name))
                try:
                    texts[other] = read_text(other, self._max_file_size, self._overrides)
                except SourceError:
                    continue
        return texts
