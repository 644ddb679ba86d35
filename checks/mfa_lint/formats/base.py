"""The record that describes one format to the rest of mfa-lint, and the request its reader is given.

The walk, the triage, `fix` and checkov's from-file path read these records (through formats.registry) instead of
extension lists and `if` chains: a new format is a new wing with its record, added to the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import PolicySite


class NotOurs(Exception):
    """The file is none of the formats mfa-lint reads (raised by a reader that finds its text is not its format)."""


@dataclass(frozen=True)
class Reading:
    """One file for a format's reader to read."""

    path: str
    text: str
    context: ReadContext
    kind: PolicyKind = PolicyKind.IDENTITY  # plain policy JSON: the kind chosen for the file (it says none itself)
    tf_root: str | None = None  # plan JSON: the Terraform configuration it was made from
    document: Any = None  # a JSON format: the document, decoded once for every JSON format asked


def _always(_text: str) -> bool:
    return True


def _never(_text: str) -> bool:
    return False


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Format:
    """One IaC language, or one syntax of it, as mfa-lint reads it.

    - `name`: unique; what reports and `fix` know a finding's format by (`Located.source`).
    - `extensions`: file-name suffixes (lower case) whose text this format reads itself (a walk picks them up).
    - `json_extensions`: suffixes whose files are JSON documents: decoded once, then every format with such a suffix
      is asked in registry order whether it `claims` the document (plan JSON, a template, a policy are told apart by
      their content). A suffix in both lists is read as JSON when the text starts with `{`.
    - `read`: the policy sites of a file (imports its parser on first use); raises SourceError for bad input and
      NotOurs for a file of another kind.
    - `could_be`: a cheap test on a walked file's text, before any parse (False: not this format).
    - `json_keys`: a JSON format's top-level keys; the cheap test for JSON files looks for any format's keys.
    - `claims`: a JSON format: whether a decoded document is one of its files.
    - `fallback`: the format tried when `read` fails and the text is JSON (`{`): a `.tf` holding a JSON policy.
    - `comments`: whether a file's text can hold comments (`# mfa-lint:ignore`).
    - `not_editable`: why `mfa-lint fix` never edits its files (generated output), or "" when it may.
    - `may_hold_mfa`: the format's part of the fast-path filter, for a file without MFA text: True when what the
      file takes values from may hold some (Terraform: its module's definitions, files and modules it reads).
    - `references`: the other files a file reads by a literal path (their "no format" notes are then wrong).
    - `prepare`: import the parser before a file's time budget starts (an import is not the file's fault).
    """

    name: str
    read: Callable[[Reading], list[PolicySite]]
    extensions: tuple[str, ...] = ()
    json_extensions: tuple[str, ...] = ()
    could_be: Callable[[str], bool] = _always
    json_keys: tuple[str, ...] = ()
    claims: Callable[[Any], bool] | None = None
    fallback: str | None = None
    comments: Callable[[str], bool] = _never
    not_editable: str = ""
    may_hold_mfa: Callable[[str, str, ReadContext], bool] | None = None
    references: Callable[[str, str], set[str]] | None = None
    prepare: Callable[[], None] = _nothing

    @property
    def editable(self) -> bool:
        return not self.not_editable
