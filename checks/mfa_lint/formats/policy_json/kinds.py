"""Which policy kind a plain policy JSON file is: a `kinds` glob, else what its path says, else the default kind.

Terraform and CloudFormation know the kind from the resource type; a bare policy document does not, and the kind
changes the rules (an SCP deny that also stops role sessions is MFA004; the same deny in an identity policy is not).
Inference is deliberately narrow: a folder named exactly like a kind (`scps/`, `service-control-policies/`,
`trust/`), a file named like one (`scp.json`, `trust-policy.json`, `ec2-assume-role-policy.json`) or starting with the
unambiguous abbreviation (`scp-deny-root.json`). A word inside a longer name (`mfa004_scp_bool_false.json`,
`trusted-ips.json`, `rcpt.json`) says nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.reading.gitignore import parse_line

# A folder or file (without extension) named one of these, after lower-casing and reading "_" and " " as "-".
_NAMES: dict[str, PolicyKind] = {}
for _kind, _names in (
    ("scp", ("scp", "scps", "service-control-policy", "service-control-policies", "servicecontrolpolicies")),
    ("rcp", ("rcp", "rcps", "resource-control-policy", "resource-control-policies", "resourcecontrolpolicies")),
    (
        "trust",
        (
            "trust", "trusts", "trust-policy", "trust-policies", "trust-relationship", "trust-relationships",
            "trust-relationship-policy", "assume-role", "assume-role-policy", "assume-role-policies",
            "assumerole", "assumerolepolicy", "assumerolepolicydocument", "assume-role-policy-document",
        ),
    ),
):
    _NAMES.update(dict.fromkeys(_names, PolicyKind(_kind)))

# File names that end with one of these multi-word names (`ec2-trust-policy`, `lambda-assume-role-policy`,
# `cfn-trust-relationship`).
_SUFFIXES = tuple(
    (name, kind) for name, kind in _NAMES.items() if "-" in name and name.endswith(("policy", "relationship"))
)
# File names that start with an unambiguous abbreviation and a separator (`scp-deny-root`, `rcp_require_mfa`).
_PREFIX = re.compile(r"^(scp|rcp)s?-")
_JSON_SUFFIXES = (".json", ".json.tpl", ".json.tftpl", ".tpl", ".tftpl", ".txt", ".policy")


def anchor(pattern: str, directory: str) -> str:
    """A `kinds` glob made absolute against the folder it is relative to (the config file's, or the working
    directory for `--kind GLOB=KIND`); a glob without `/` stays a file-name glob that matches at any depth."""
    pattern = pattern.replace(os.sep, "/")
    if "/" not in pattern.rstrip("/"):
        return pattern
    if pattern.startswith("/"):
        return pattern
    return os.path.join(os.path.abspath(directory), pattern.removeprefix("./")).replace(os.sep, "/")


def glob_matches(pattern: str, path: str) -> bool:
    """Whether a `kinds` glob (gitignore syntax, as `--exclude`; anchored by `anchor`) matches the file."""
    parsed = parse_line(pattern)
    if parsed is None or parsed.negated:
        return False
    absolute = os.path.abspath(path).replace(os.sep, "/").lstrip("/")
    return parsed.regex.match(absolute) is not None


@dataclass(frozen=True)
class KindChoice:
    """The kind used for a file and why (shown by --show-config style explanations and in reports)."""

    kind: PolicyKind
    reason: str  # "glob policies/scp/**", "path scps/", "default"


def _normal(name: str) -> str:
    return re.sub(r"[_\s]+", "-", name.strip().lower())


def _stem(filename: str) -> str:
    lower = filename.lower()
    for suffix in _JSON_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return filename[: -len(suffix)]
    return os.path.splitext(filename)[0]


def kind_from_name(filename: str) -> PolicyKind | None:
    """The kind a file's own name states, or None."""
    stem = _normal(_stem(filename))
    if stem in _NAMES:
        return _NAMES[stem]
    for name, kind in _SUFFIXES:
        if stem.endswith("-" + name):
            return kind
    match = _PREFIX.match(stem)
    return PolicyKind(match.group(1)) if match else None


def kind_from_path(path: str) -> KindChoice | None:
    """The kind the file name or the nearest folder named like a kind states, or None.

    Folders are looked at below the working directory only (a checkout under `/home/trust/` says nothing); a path
    outside it is judged by its last three folders.
    """
    kind = kind_from_name(os.path.basename(path))
    if kind:
        return KindChoice(kind, f"file name {os.path.basename(path)}")
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    folders = os.path.dirname(relative).split(os.sep)
    if relative.startswith(os.pardir):
        folders = os.path.dirname(absolute).split(os.sep)[-3:]
    for folder in reversed([f for f in folders if f and f != os.curdir]):
        kind = _NAMES.get(_normal(folder))
        if kind:
            return KindChoice(kind, f"folder {folder}/")
    return None


def choose_kind(
    path: str, globs: Iterable[tuple[str, str]], default: PolicyKind | str, *, infer: bool = True
) -> KindChoice:
    """`kinds` globs first (first match wins), then the path, then the default kind."""
    for pattern, kind in globs:
        if glob_matches(pattern, path):
            return KindChoice(PolicyKind(kind), f"kinds glob {pattern}")
    inferred = kind_from_path(path) if infer else None
    return inferred or KindChoice(PolicyKind(default), "default kind")
