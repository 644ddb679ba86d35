"""Judge one checkov entity the way the CLI does: read its file with the CLI's readers and take that resource.

Used when checkov left part of a policy unrendered, and for policy-document data sources (their kind comes from the
resources that use them, which checkov does not tell a data check). A file is read once per content, with the
CLI's module context (variables, locals and data sources of the directory's other .tf files), so five rule checks
on many resources cost one read. Suppressions are the CLI's (mfa_lint.reading.suppressions). Imports nothing from
checkov.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Any

from mfa_lint.checkov.locate import runner_var_files
from mfa_lint.checkov.policies import PolicyInput
from mfa_lint.checkov.verdict import Verdict, holds_mfa_text, judge
from mfa_lint.core.findings import Finding
from mfa_lint.formats.base import NotOurs
from mfa_lint.formats.cloudformation.intrinsics import any_node
from mfa_lint.formats.registry import comments_in, may_hold_mfa, read_sites
from mfa_lint.formats.terraform.module_context import TERRAFORM_EXTENSIONS
from mfa_lint.formats.terraform.relevance import literal_file_reads
from mfa_lint.reading.attachments import Placement
from mfa_lint.reading.budget import BudgetExceeded, budget_message
from mfa_lint.reading.context import ReadContext, read_text
from mfa_lint.reading.site import PolicySite, SourceError
from mfa_lint.reading.suppressions import NO_SUPPRESSIONS, FileSuppressions

_MAX_FILES = 32


@dataclass
class _Read:
    sites: list[PolicySite]
    suppressions: FileSuppressions
    error: str | None = None
    missing: str | None = None  # a reader's dependency is not installed where checkov runs (cfn-lint)
    format: str | None = None


@cache
def cfn_lint_installed() -> bool:
    """cfn-lint can be imported where checkov runs (not in checkov's own image, nor in a pipx/brew checkov)."""
    return importlib.util.find_spec("cfnlint") is not None


CFN_LINT_MISSING = ("cfn-lint is not installed where checkov runs (mfa-lint reads CloudFormation templates with "
                    "cfn-lint's decoder and condition solver): install cfn-lint next to checkov (pip install "
                    "cfn-lint, or pipx inject checkov cfn-lint), or run mfa-lint scan on the template")


def missing_dependency(error: ImportError) -> str:
    """What to say when a reader cannot be imported: checkov's own image and pipx/brew installs have no cfn-lint."""
    name = (error.name or "").split(".")[0] or str(error)
    if name == "cfnlint":
        return CFN_LINT_MISSING
    return f"{name} is not installed where checkov runs (mfa-lint's reader needs it): install it next to checkov"


_READS: OrderedDict[tuple[tuple[str, float, int], tuple[str, ...]], _Read] = OrderedDict()


_CONTEXT: list[tuple[tuple, ReadContext]] = []


def _context(path: str) -> ReadContext:
    """The read context for a file of this folder: one per folder while none of its `.tf` files changes (and checkov
    was given the same var files), so the module's texts are read once for every entity of every file of the folder
    (checkov asks for them in turn). The scan's context without SIGALRM (not ours to install in checkov's process):
    the readers' deadline holds. `checkov --var-file` sets root module variables as `mfa-lint --var-file` does."""
    directory = os.path.dirname(path) or "."
    tf_vars = tuple(("file", f) for f in runner_var_files())
    with os.scandir(directory) as entries:
        signature = (directory, tf_vars, tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size)
                                                      for e in entries
                                                      if e.name.lower().endswith(TERRAFORM_EXTENSIONS))))
    if not _CONTEXT or _CONTEXT[0][0] != signature:
        _CONTEXT[:] = [(signature, ReadContext(alarm=False, tf_vars=tf_vars))]
    return _CONTEXT[0][1]


def _read_key(path: str) -> tuple[tuple[str, float, int], tuple[str, ...]]:
    """A read depends on the file's version and on the var files checkov was given."""
    return _file_key(path), runner_var_files()


def _file_key(path: str) -> tuple[str, float, int]:
    """What the caches below are keyed by: the file and its version (modification time and size)."""
    stat = os.stat(path)
    return os.path.realpath(path), stat.st_mtime, stat.st_size


def _read(path: str) -> _Read:
    """The file's policy sites as the CLI reads them (cached by path, modification time and size, and the var files
    checkov was given)."""
    key = _read_key(path)
    cached = _READS.get(key)
    if cached is not None:
        _READS.move_to_end(key)
        return cached
    context = _context(path)
    try:
        text = context.read(path)
        with context.budget():
            fmt, sites = read_sites(path, text, context, explicit=True)
        read = _Read(sites, FileSuppressions(text) if fmt.comments(text) else NO_SUPPRESSIONS, format=fmt.name)
    except (SourceError, NotOurs) as error:
        read = _Read([], FileSuppressions(""), error=" ".join(str(error).split()) or "not a format mfa-lint reads")
    except BudgetExceeded:
        read = _Read([], FileSuppressions(""), error=budget_message(context.parse_timeout or 0))
    except ImportError as error:
        read = _Read([], FileSuppressions(""), error=str(error), missing=missing_dependency(error))
    _READS[key] = read
    while len(_READS) > _MAX_FILES:
        _READS.popitem(last=False)
    return read


_RELEVANT: OrderedDict[tuple[tuple[str, float, int], tuple[str, ...]], bool] = OrderedDict()


def may_hold_mfa_file(path: str | None) -> bool:
    """The CLI's fast-path test on the entity's file: False only when neither it nor what it may take values from
    (its module's definitions, a file it reads, a module it calls) can hold an MFA test. Then the file is not
    parsed: nothing there can fail a rule (cached like `_read`)."""
    if path is None:
        return True
    try:
        key = _read_key(path)
        if key not in _RELEVANT:
            _RELEVANT[key] = may_hold_mfa(path, read_text(path), _context(path))
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
    if read.missing is not None:
        return Verdict(unresolved=[read.missing])
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
        policies.append(PolicyInput(label, site.kind, document=site.document, site=site, callers=site.callers))
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
        from mfa_lint.formats.cloudformation.nested import outermost_parents

        try:
            _PARENTS[key] = tuple(outermost_parents(path, ReadContext(alarm=False)))
        except Exception:  # looking for parents must never cost the verdict on the template itself
            _PARENTS[key] = ()
        while len(_PARENTS) > _MAX_FILES:
            _PARENTS.popitem(last=False)
    return _PARENTS[key]


def cli_placements(path: str, resource: str) -> dict[bool, Placement] | None:
    """How mfa-lint's reader placed `resource`'s policies (reading.attachments): the kind and callers of its trust
    policy (key True) and of its other policies (key False); None when the reader does not see that resource."""
    try:
        read = _read(path)
    except OSError:
        return None
    sites = [site for site in read.sites if site.resource == resource] if read.error is None else []
    if not sites:
        return None
    found: dict[bool, Placement] = {}
    for site in sites:  # a site whose document holds no MFA text keeps its default callers: prefer a placed one
        trust = site.kind == "trust"
        if trust not in found or (found[trust].callers is None and site.callers is not None):
            found[trust] = Placement(site.kind, site.callers)
    return found


_DATA_SOURCES: OrderedDict[str, tuple[tuple, frozenset[tuple[str, str]]]] = OrderedDict()
_DATA_REFERENCE = re.compile(r"data\.([\w-]+)\.([\w-]+)")
_DATA_BLOCK = re.compile(r"""^\s*data\s+"?([\w-]+)"?\s+"?([\w-]+)"?\s*\{""", re.MULTILINE)


def _module_data_sources(directory: str) -> frozenset[tuple[str, str]]:
    """(type, name) of every data block in the folder's `.tf` files (a text test; cached while no file changes)."""
    with os.scandir(directory) as entries:
        files = sorted((e.path, e.stat().st_mtime, e.stat().st_size) for e in entries
                       if e.name.lower().endswith(TERRAFORM_EXTENSIONS) and e.is_file())
    signature = tuple(files)
    cached = _DATA_SOURCES.get(directory)
    if cached is not None and cached[0] == signature:
        return cached[1]
    found: set[tuple[str, str]] = set()
    for path, _, _ in files:
        try:
            found.update(_DATA_BLOCK.findall(read_text(path)))
        except SourceError:
            continue
    _DATA_SOURCES[directory] = (signature, frozenset(found))
    while len(_DATA_SOURCES) > 64:
        _DATA_SOURCES.popitem(last=False)
    return _DATA_SOURCES[directory][1]


def defines_data_source(path: str, reference: str) -> bool:
    """The module of `path` (a `.tf` file of its folder) defines the data source `reference` names
    (`data.aws_iam_policy_document.x.json`): then the data source's own check carries the verdict, and nothing of
    `path` needs reading for it. A text test; False when unsure."""
    match = _DATA_REFERENCE.match(reference)
    if match is None or not path.lower().endswith(TERRAFORM_EXTENSIONS):
        return False
    try:
        return (match.group(1), match.group(2)) in _module_data_sources(os.path.dirname(os.path.realpath(path)))
    except OSError:
        return False


def read_files_hold_mfa_text(path: str, conf: Any) -> bool:
    """A file the entity's policy reads by a literal path (`file("p.json")`, `templatefile(...)`, relative to the
    entity's file) holds MFA text: the policy has MFA text even where checkov shows only the call."""
    calls: list[str] = []

    def hit(node: Any) -> bool:
        if isinstance(node, str) and ("file(" in node or "templatefile(" in node):
            calls.append(node)
        return False

    any_node(conf, hit, 20_000)
    for referenced in sorted(set().union(*(literal_file_reads(path, call) for call in calls))):
        try:
            if holds_mfa_text(read_text(referenced)):
                return True
        except SourceError:
            continue
    return False


def block_ignores(path: str | None, block: tuple[int, int], finding: Finding) -> bool:
    """A `mfa-lint:ignore` comment naming the finding's id (or every rule) in the block or right above it (the
    comments only: nothing is parsed)."""
    if path is None:
        return False
    try:
        text = read_text(path)
    except (OSError, SourceError):
        return False
    if "mfa-lint:ignore" not in text or not comments_in(path, text):
        return False
    return FileSuppressions(text).suppresses(finding, block[0], block)


def resource_block(path: str | None, name: str, first: int, last: int) -> tuple[int, int] | None:
    """A template resource's lines from checkov's marks on its conf (which start at the resource's first key and end
    at the next resource's): from the logical id line to its last line of content."""
    if path is None:
        return None
    try:
        lines = read_text(path).split("\n")
    except (OSError, SourceError):
        return None
    key = re.compile(rf"""\s*["']?{re.escape(name)}["']?\s*:""")
    start = next((n for n in range(min(first, len(lines)), max(first - 6, 0), -1) if key.match(lines[n - 1])), None)
    if start is None:
        return None
    indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
    end = min(last, len(lines))
    while end > start:
        text = lines[end - 1]
        stripped = text.lstrip()
        if stripped and not stripped.startswith("#") and len(text) - len(stripped) > indent:
            break
        end -= 1  # blank, comment-only, or the next resource's key: not this resource's
    return start, end


def has_tfvars(path: str | None) -> bool:
    """The folder of `path` holds tfvars files terraform would load if it were the root module (checkov also
    applies them to the module when another module calls it: terraform does not)."""
    from mfa_lint.formats.terraform.module_context import tfvars_files

    return path is not None and bool(tfvars_files(os.path.dirname(os.path.abspath(path))))


def has_ignore_comments(path: str | None) -> bool:
    """The file holds `mfa-lint:ignore` comments (then the CLI's suppressions decide what checkov reports)."""
    if path is None:
        return False
    try:  # the comments only: nothing is parsed
        text = read_text(path)
    except (OSError, SourceError):
        return False
    return "mfa-lint:ignore" in text and comments_in(path, text) and bool(FileSuppressions(text))
