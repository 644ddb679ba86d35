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
_MAX_FRAMES = 32
#: Levels of nested module calls followed up to the outermost caller (the CLI follows limits.MODULE_CALL_DEPTH down).
_MAX_CHAIN = 32


@dataclass
class _Read:
    sites: list[PolicySite]
    suppressions: FileSuppressions
    error: str | None = None
    format: str | None = None


_READS: OrderedDict[tuple[tuple[str, float, int], tuple[tuple[str, str], ...]], _Read] = OrderedDict()


def _file_key(path: str) -> tuple[str, float, int]:
    """What the caches below are keyed by: the file and its version (modification time and size)."""
    stat = os.stat(path)
    return os.path.realpath(path), stat.st_mtime, stat.st_size


def _read(path: str) -> _Read:
    """The file's policy sites as the CLI reads them (cached by path, modification time and size, and the var files
    checkov was given: `checkov --var-file` sets root module variables as `mfa-lint --var-file` does)."""
    tf_vars = tuple(("file", f) for f in runner_var_files())
    key = (_file_key(path), tf_vars)
    cached = _READS.get(key)
    if cached is not None:
        _READS.move_to_end(key)
        return cached
    # the scan's read context, without SIGALRM (not ours to install in checkov's process): the readers' deadline holds
    context = ReadContext(alarm=False, tf_vars=tf_vars)
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


_RELEVANT: OrderedDict[tuple[tuple[str, float, int], tuple[tuple[str, str], ...]], bool] = OrderedDict()


def may_hold_mfa_file(path: str | None) -> bool:
    """The CLI's fast-path test on the entity's file: False only when neither it nor what it may take values from
    (its module's definitions, a file it reads, a module it calls) can hold an MFA test. Then the file is not
    parsed: nothing there can fail a rule (cached like `_read`)."""
    if path is None:
        return True
    try:
        tf_vars = tuple(("file", f) for f in runner_var_files())
        key = (_file_key(path), tf_vars)
        if key not in _RELEVANT:
            text = read_text(path)
            _RELEVANT[key] = may_hold_mfa(path, text, ReadContext(alarm=False, tf_vars=tf_vars))
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
    if all(site.merged_into is not None for site in reached or sites):
        return Verdict()  # no policy on its own (merged into others, judged there): no rule applies here
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
    """The outermost caller of the module an entity is in: the CLI reads the call from there, follows the calls down
    with their arguments, and names the module's resources with the whole chain (`module.a.module.b["k"].<address>`,
    as terraform and checkov do)."""

    path: str
    address: str


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
    """The outermost module call above the module the entity is in, from checkov's definition key, with the address
    of the whole chain: checkov's `module.a.module.b.aws_iam_policy.x` is read from the file calling `a`, where the CLI
    follows the calls down with their arguments and names the resource the same way."""
    module = getattr(_definition_key(), "tf_source_modules", None)
    names: list[str] = []
    path: str | None = None
    for _ in range(_MAX_CHAIN):
        if module is None:
            break
        name, path = getattr(module, "name", None), getattr(module, "path", None)
        if not isinstance(path, str) or not name:
            return None
        index = getattr(module, "foreach_idx", None)
        names.append(f"module.{name}" + (f"[{json.dumps(index)}]" if isinstance(index, str) else ""))
        module = getattr(module, "nested_tf_module", None)
    else:
        return None
    if not names or path is None or not os.path.isfile(path):
        return None
    return ModuleCall(path, ".".join(reversed(names)))


def runner_var_files() -> tuple[str, ...]:
    """The var files checkov was given (`--var-file`), from the runner's `run_block` frame."""
    runner_filter = _frame_local("runner_filter")
    files = getattr(runner_filter, "var_files", None)
    if not isinstance(files, (list, tuple)):
        return ()
    return tuple(os.path.abspath(f) for f in files if isinstance(f, str) and os.path.isfile(f))


def has_tfvars(path: str | None) -> bool:
    """The folder of `path` holds tfvars files terraform would load if it were the root module (checkov also
    applies them to the module when another module calls it: terraform does not)."""
    from mfa_lint.formats.terraform.module_context import tfvars_files

    return path is not None and bool(tfvars_files(os.path.dirname(os.path.abspath(path))))


def _definition_key() -> Any:
    """checkov's `full_file_path` (TFDefinitionKey, or a str for plans) in the runner's `run_block` frame."""
    return _frame_local("full_file_path")


def _frame_local(name: str) -> Any:
    """A local of the runner's `run_block` frame (the check runs below it)."""
    frame = sys._getframe(1)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return None
        if frame.f_code.co_name == "run_block" and name in frame.f_locals:
            return frame.f_locals[name]
        frame = frame.f_back
    return None


def cloudformation_file(conf: Mapping[str, Any]) -> str | None:
    """The template a CloudFormation check runs on: checkov marks every mapping of the conf with `__file__`."""
    properties = conf.get("Properties")
    path = properties.get("__file__") if isinstance(properties, Mapping) else None
    return path if isinstance(path, str) and os.path.isfile(path) else None
