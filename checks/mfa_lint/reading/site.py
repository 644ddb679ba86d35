"""The contract between the format readers and everything downstream (the scan, checkov's from-file path, fix).

A reader answers one question: where are the policy documents in this file, what kind is each, and where in the
file is each part? It returns PolicySites; the core analyses `document`, and `locate` maps the finding's document
path back to a file position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.callers import Callers
from mfa_lint.core.findings import Note
from mfa_lint.core.policy_kinds import PolicyKind


class SourceError(Exception):
    """The file cannot be read or parsed. The message is one line, the reason (the caller adds the file name)."""


@dataclass(frozen=True)
class Span:
    """1-based line and column of a token; end_column is exclusive (SARIF / GitHub style). `file`: the file the span
    lies in when it is not the file of the site it locates (a value a policy takes from another file: a local in a
    sibling `.tf`, a `yamldecode(file(...))`, a statement an `aws_iam_policy_document` merged in from a module output
    or another file of the module), else None (the site's own file)."""

    line: int
    column: int
    end_line: int
    end_column: int
    file: str | None = None


@dataclass
class PolicySite:
    """One policy document found in a file.

    - `document`: what to pass to the core (dict, list, JSON string; may contain unresolved-reference markers).
    - `kind`: policy kind.
    - `callers`: who calls it, from what it is attached to (reading.attachments); None: the kind's default callers.
    - `resource`: `aws_iam_policy.name`, `data.aws_iam_policy_document.name`, a plan address, a CloudFormation
      logical id, or None for a plain policy file.
    - `span`: where the property that holds the document sits (fallback location for any finding).
    - `locate(path)`: the span of the element at `path` inside the document (for an operator key: the key token
      itself), or None when the reader cannot tell (the caller then uses `span`).
    - `notes`: what the reader could not read of it (an unresolved value, a limit it stopped at), each with its kind.
    - `suppressed`: rule ids suppressed for the whole site (checkov:skip, CloudFormation Metadata skips).
    - `block`: first and last line of the resource's block, where an `mfa-lint:ignore` comment covers the whole
      resource (mfa_lint.reading.suppressions); None when the format has no such block (policy JSON; plan JSON unless
      its configuration was found).
    - `variants`: the documents the policy can be, one per value a bounded unknown may take (a variable a
      `validation` pins to a set): a rule is reported when every variant gives it, else noted. Empty for one
      document (then `document` and `locate` are the policy).
    - `merged_into`: set for a document that is no policy on its own (an `aws_iam_policy_document` used only as an
      input document of others): nothing is judged here, its statements are judged in the documents that merge it.
    """

    document: Any
    kind: PolicyKind
    file: str
    resource: str | None
    span: Span
    locate: Callable[[tuple], Span | None] = field(default=lambda path: None)
    notes: list[Note] = field(default_factory=list)
    suppressed: frozenset[str] = frozenset()
    block: tuple[int, int] | None = None
    block_file: str | None = None
    callers: Callers | None = None
    variants: list[Variant] = field(default_factory=list)
    merged_into: str | None = None


@dataclass
class Variant:
    """One document a policy can be: `label` says which values it was built with (`var.op = "Bool"`).

    `alternative`: built with a value someone may deploy instead of the default (a CloudFormation parameter's other
    allowed values): a rule only such variants give is a note, never a finding (core.variants).
    """

    label: str
    document: Any
    locate: Callable[[tuple], Span | None] = field(default=lambda path: None)
    alternative: bool = False
    values: tuple[tuple[str, str], ...] = ()  # the label as (name, value) pairs
