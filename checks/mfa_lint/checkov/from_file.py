"""Judge one checkov entity the way the CLI does: read its file with the CLI's readers and take that resource.

Used when checkov left part of a policy unrendered, and for policy-document data sources (their kind comes from the
resources that use them, which checkov does not tell a data check). A file is read once per content, with the
CLI's module context (variables, locals and data sources of the directory's other .tf files), so five rule checks
on many resources cost one read. Suppressions are the CLI's
(mfa_lint.reading.suppressions). Imports nothing from checkov.
"""

from __future__ import annotations

import json
import os
import sys
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mfa_lint.checkov.policies import PolicyInput
from mfa_lint.checkov.verdict import Verdict, judge
from mfa_lint.formats.base import NotOurs
from mfa_lint.formats.registry import may_hold_mfa, read_sites
from mfa_lint.reading.budget import BudgetExceeded, budget_message
from mfa_lint.reading.context import ReadContext, read_text
from mfa_lint.reading.site import PolicySite, SourceError
from mfa_lint.reading.suppressions import NO_SUPPRESSIONS, FileSuppressions

_MAX_FILES = 32
_MAX_FRAMES = 16


@dataclass
class _Read:
    sites: list[PolicySite]
    suppressions: FileSuppressions
    error: str | None = None
    format: str | None = None


_READS: OrderedDict[tuple[str, float, int], _Read] = OrderedDict()


def _file_key(path: str) -> tuple[str, float, int]:
    """What the caches below are keyed by: the file and its version (modification time and size)."""
    stat = os.stat(path)
    return os.path.realpath(path), stat.st_mtime, stat.st_size


def _read(path: str) -> _Read:
    """The file's policy sites as the CLI reads them (cached by path, modification time and size)."""
    key = _file_key(path)
    cached = _READS.get(key)
    if cached is not None:
        _READS.move_to_end(key)
        return cached
    # the scan's read context, without SIGALRM (not ours to install in checkov's process): the readers' deadline holds
    context = ReadContext(alarm=False)
    try:
        text = context.read(path)
        with context.budget():
            fmt, sites = read_sites(path, text, context, explicit=True)
        read = _Read(sites, FileSuppressions(text) if fmt.comments(text) else NO_SUPPRESSIONS, format=fmt.name)
    except (SourceError, NotOurs) as error:
        read = _Read([], FileSuppressions(""), error=" ".join(str(error).split()) or "not a format mfa-lint reads")
    except BudgetExceeded:
        read = _Read([], FileSuppressions(""), error=budget_message(context.parse_timeout or 0))
    _READS[key] = read
    while len(_READS) > _MAX_FILES:
        _READS.popitem(last=False)
    return read


_RELEVANT: OrderedDict[tuple[str, float, int], bool] = OrderedDict()


def may_hold_mfa_file(path: str | None) -> bool:
    """The CLI's fast-path test on the entity's file: False only when neither it nor what it may take values from
    (its module's definitions, a file it reads, a module it calls) can hold an MFA test. Then the file is not
    parsed: nothing there can fail a rule (cached like `_read`)."""
    if path is None:
        return True
    try:
        key = _file_key(path)
        if key not in _RELEVANT:
            text = read_text(path)
            _RELEVANT[key] = may_hold_mfa(path, text, ReadContext(alarm=False))
            while len(_RELEVANT) > 1024:
                _RELEVANT.popitem(last=False)
        return _RELEVANT[key]
    except (OSError, SourceError):
        return True


def cli_verdict(path: str, resource: str) -> Verdict | None:
    """The CLI's verdict on `resource` in `path`; None when the CLI's reader does not see that resource.

    A CloudFormation template that parent templates nearby deploy as a nested stack (nested_parents) is judged as
    the CLI judges it in a scan of them all: with the values the parents pass, not its own defaults."""
    try:
        read = _read(path)
    except OSError as error:
        return Verdict(unresolved=[f"cannot read {path}: {error.strerror or error}"])
    if read.error is not None:
        return None
    sites = [site for site in read.sites if site.resource == resource and _own(site, path, read)]
    reached = [site for parent in _parents(path, read) for site in _read(parent).sites
               if site.resource == resource and _same_file(site.file, path)]
    if not sites and not reached:
        return None
    return _judge_sites(reached or sites, read)


def _judge_sites(sites: list[PolicySite], read: _Read) -> Verdict:
    policies: list[PolicyInput] = []
    for site in sites:
        label = f"line {site.span.line}"
        policies.extend(PolicyInput(label, site.kind, unresolved=f"{label}: {note.message}") for note in site.notes)
        policies.append(PolicyInput(label, site.kind, document=site.document, site=site))
    return judge(policies, keep=lambda policy, finding: policy.site is None
                 or not read.suppressions.suppresses_site(policy.site, finding))


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _own(site: PolicySite, path: str, read: _Read) -> bool:
    """A site of the entity checkov scans in `path`: in a template, not one of its nested stacks' (those are
    judged in their own files); in Terraform also what a block reads with `file()` or a module call."""
    return read.format != "cloudformation" or _same_file(site.file, path)


_PARENTS: OrderedDict[tuple[str, float, int], tuple[str, ...]] = OrderedDict()


def _parents(path: str, read: _Read) -> tuple[str, ...]:
    """Templates near `path` that deploy it as a nested stack (cached by the file's version)."""
    if read.format != "cloudformation":
        return ()
    try:
        key = _file_key(path)
    except OSError:
        return ()
    if key not in _PARENTS:
        from mfa_lint.formats.cloudformation.nested import nested_parents

        try:
            _PARENTS[key] = tuple(nested_parents(path, ReadContext(alarm=False)))
        except Exception:  # looking for parents must never cost the verdict on the template itself
            _PARENTS[key] = ()
        while len(_PARENTS) > _MAX_FILES:
            _PARENTS.popitem(last=False)
    return _PARENTS[key]


def has_ignore_comments(path: str | None) -> bool:
    """The file holds `mfa-lint:ignore` comments (then the CLI's suppressions decide what checkov reports)."""
    if path is None:
        return False
    try:  # a plain text test first: most files have none, and then nothing is parsed
        return "mfa-lint:ignore" in read_text(path) and bool(_read(path).suppressions)
    except (OSError, SourceError):
        return False


@dataclass(frozen=True)
class ModuleCall:
    """The caller of a module checkov scans an entity in: the CLI reads the call, with its arguments, from there
    and names the module's resources `module.<name>.<address>`."""

    path: str
    name: str
    key: str | None = None  # the instance of a call with `for_each` (checkov's `foreach_idx`)

    @property
    def address(self) -> str:
        """`module.<name>`, or `module.<name>["<key>"]` for one instance, as the CLI and terraform name it."""
        return f"module.{self.name}" + ("" if self.key is None else f"[{json.dumps(self.key)}]")


def terraform_file(scanned_file: str) -> str | None:
    """The file a Terraform check runs on. checkov gives a check only its path relative to the scanned folder, so
    the absolute path is taken from the runner's `run_block` frame (`full_file_path`), else tried as given."""
    key = _definition_key()
    path = key if isinstance(key, str) else getattr(key, "file_path", None)
    if isinstance(path, str) and os.path.isfile(path):
        return path
    for candidate in (scanned_file, scanned_file.lstrip("/\\")):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def terraform_module_call() -> ModuleCall | None:
    """The module call (one level: the caller of the module the entity is in) from checkov's definition key."""
    module = getattr(_definition_key(), "tf_source_modules", None)
    path, name = getattr(module, "path", None), getattr(module, "name", None)
    if getattr(module, "nested_tf_module", None) is not None or not isinstance(path, str) or not name:
        return None  # nested calls: the CLI follows them too, but naming them here is not worth the risk
    index = getattr(module, "foreach_idx", None)
    key = index if isinstance(index, str) else None
    return ModuleCall(path, str(name), key) if os.path.isfile(path) else None


def _definition_key() -> Any:
    """checkov's `full_file_path` (TFDefinitionKey, or a str for plans) in the runner's `run_block` frame."""
    frame = sys._getframe(1)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return None
        if frame.f_code.co_name == "run_block" and "full_file_path" in frame.f_locals:
            return frame.f_locals["full_file_path"]
        frame = frame.f_back
    return None


def cloudformation_file(conf: Mapping[str, Any]) -> str | None:
    """The template a CloudFormation check runs on: checkov marks every mapping of the conf with `__file__`."""
    properties = conf.get("Properties")
    path = properties.get("__file__") if isinstance(properties, Mapping) else None
    return path if isinstance(path, str) and os.path.isfile(path) else None
