"""Module context: a Terraform module is its whole directory, so a `.tf` file is read with its siblings' texts
(variables, locals and policy-document data sources defined next to it), and its variables may take values from
the tfvars files of the directory and the var files given to the scan (the fast path looks at their texts)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from mfa_lint.files import TERRAFORM_EXT, read_text
from mfa_lint.sources.site import SourceError


class ModuleTexts:
    """The other `.tf` files of a file's directory, read once per directory.

    Only the current directory is kept: a walk visits a directory's files together, so memory stays flat.
    """

    def __init__(
        self, max_file_size: int, overrides: Mapping[str, str] | None = None,
        tf_vars: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self._max_file_size = max_file_size
        self._overrides = overrides or {}
        self._directory: str | None = None
        self._texts: dict[str, str] = {}
        self._tfvars: list[str] = []
        self._given = _given_texts(tf_vars, max_file_size)

    def siblings(self, path: str) -> dict[str, str]:
        """path -> text of the module's other `.tf` files (an unreadable one is reported when it is scanned)."""
        self._enter(path)
        me = os.path.normpath(path)
        return {p: t for p, t in self._texts.items() if p != me}

    def variable_texts(self, path: str) -> list[str]:
        """The texts that may set the variables of the module `path` is in when it is read as a root module: its
        folder's tfvars files and the var files and `-var` values given to the scan."""
        self._enter(path)
        return self._tfvars + self._given

    def _enter(self, path: str) -> None:
        directory = os.path.dirname(path) or "."
        if directory != self._directory:
            self._directory, self._texts = directory, self._read(directory)
            self._tfvars = self._read_tfvars(directory)

    def _read_tfvars(self, directory: str) -> list[str]:
        from mfa_lint.sources.terraform.variables import tfvars_files

        texts = []
        for name in tfvars_files(directory):
            try:
                texts.append(read_text(name, self._max_file_size, self._overrides))
            except SourceError:
                texts.append(name)  # unreadable: the reader notes it (and its name is no MFA text)
        return texts

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


def _given_texts(tf_vars: tuple[tuple[str, str], ...], max_file_size: int) -> list[str]:
    texts = []
    for kind, value in tf_vars:
        if kind == "file":
            try:
                texts.append(read_text(value, max_file_size))
            except SourceError:
                continue
        else:
            texts.append(value)
    return texts
