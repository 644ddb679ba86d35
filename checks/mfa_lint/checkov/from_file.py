"""Judge one checkov entity the way the CLI does: read its file with the CLI's readers and take that resource.

Used when checkov left part of a policy unrendered, and for policy-document data sources (their kind comes from the
resources that use them, which checkov does not tell a data check). A file is read once per content, with the
CLI's module context (variables, locals and data sources of the directory's other .tf files), so five rule checks
on many resources cost one read. Suppressions are the CLI's (mfa_lint.suppress). Imports nothing from checkov.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache

from mfa_lint.checkov.policies import PolicyInput
from mfa_lint.checkov.verdict import Verdict, judge
from mfa_lint.core.findings import Finding
from mfa_lint.files import DEFAULT_MAX_FILE_SIZE, TERRAFORM_EXT, read_text
from mfa_lint.scanning.formats import NotOurs, read_sites
from mfa_lint.scanning.module_context import ModuleTexts
from mfa_lint.scanning.relevance import may_hold_mfa
from mfa_lint.scanning.suppression import line_suppressions
from mfa_lint.sources.site import PolicySite, SourceError
from mfa_lint.suppress import FileSuppressions

_MAX_FILES = 32


@dataclass
class _Read:
    sites: list[PolicySite]
    suppressions: FileSuppressions
    error: str | None = None
    missing: str | None = None  # a reader's dependency is not installed where checkov runs (cfn-lint)


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


_READS: OrderedDict[tuple[str, float, int], _Read] = OrderedDict()


_MODULE_TEXTS: list[tuple[tuple, ModuleTexts]] = []


def _siblings(path: str) -> dict[str, str]:
    """The other `.tf` files of `path`'s folder (ModuleTexts), read once per folder while none of them changes:
    checkov asks for every entity of every file of a folder in turn."""
    directory = os.path.dirname(path) or "."
    with os.scandir(directory) as entries:
        signature = (directory, tuple(sorted((e.name, e.stat().st_mtime, e.stat().st_size) for e in entries
                                             if e.name.lower().endswith(TERRAFORM_EXT))))
    if not _MODULE_TEXTS or _MODULE_TEXTS[0][0] != signature:
        _MODULE_TEXTS[:] = [(signature, ModuleTexts(DEFAULT_MAX_FILE_SIZE))]
    return _MODULE_TEXTS[0][1].siblings(path)


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
    try:
        text = read_text(path, DEFAULT_MAX_FILE_SIZE, {})
        terraform = path.lower().endswith(TERRAFORM_EXT)
        module_texts = _siblings(path) if terraform else None
        source, sites = read_sites(path, text, True, module_texts=module_texts)
        read = _Read(sites, line_suppressions(source, text))
    except (SourceError, NotOurs) as error:
        read = _Read([], FileSuppressions(""), error=" ".join(str(error).split()) or "not a format mfa-lint reads")
    except ImportError as error:
        read = _Read([], FileSuppressions(""), error=str(error), missing=missing_dependency(error))
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
            text = read_text(path, DEFAULT_MAX_FILE_SIZE, {})
            terraform = path.lower().endswith(TERRAFORM_EXT)
            module_texts = _siblings(path) if terraform else None
            _RELEVANT[key] = may_hold_mfa(path, text, module_texts)
            while len(_RELEVANT) > 1024:
                _RELEVANT.popitem(last=False)
        return _RELEVANT[key]
    except (OSError, SourceError):
        return True


def cli_verdict(path: str, resource: str) -> Verdict | None:
    """The CLI's verdict on `resource` in `path`; None when the CLI's reader does not see that resource."""
    try:
        read = _read(path)
    except OSError as error:
        return Verdict(unresolved=[f"cannot read {path}: {error.strerror or error}"])
    if read.missing is not None:
        return Verdict(unresolved=[read.missing])
    if read.error is not None:
        return None
    sites = [site for site in read.sites if site.resource == resource]
    if not sites:
        return None
    policies: list[PolicyInput] = []
    for site in sites:
        label = f"line {site.span.line}"
        policies.extend(PolicyInput(label, site.kind, unresolved=f"{label}: {note}") for note in site.notes)
        policies.append(PolicyInput(label, site.kind, document=site.document, site=site))
    return judge(policies, keep=lambda policy, finding: policy.site is None
                 or not read.suppressions.suppresses_site(policy.site, finding))


_DATA_SOURCES: OrderedDict[str, tuple[tuple, frozenset[tuple[str, str]]]] = OrderedDict()
_DATA_REFERENCE = re.compile(r"data\.([\w-]+)\.([\w-]+)")
_DATA_BLOCK = re.compile(r"""^\s*data\s+"?([\w-]+)"?\s+"?([\w-]+)"?\s*\{""", re.MULTILINE)


def _module_data_sources(directory: str) -> frozenset[tuple[str, str]]:
    """(type, name) of every data block in the folder's `.tf` files (a text test; cached while no file changes)."""
    with os.scandir(directory) as entries:
        files = sorted((e.path, e.stat().st_mtime, e.stat().st_size) for e in entries
                       if e.name.lower().endswith(TERRAFORM_EXT) and e.is_file())
    signature = tuple(files)
    cached = _DATA_SOURCES.get(directory)
    if cached is not None and cached[0] == signature:
        return cached[1]
    found: set[tuple[str, str]] = set()
    for path, _, _ in files:
        try:
            found.update(_DATA_BLOCK.findall(read_text(path, DEFAULT_MAX_FILE_SIZE, {})))
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
    if match is None or not path.lower().endswith(TERRAFORM_EXT):
        return False
    try:
        return (match.group(1), match.group(2)) in _module_data_sources(os.path.dirname(os.path.realpath(path)))
    except OSError:
        return False


def block_ignores(path: str | None, block: tuple[int, int], finding: Finding) -> bool:
    """A `mfa-lint:ignore` comment naming the finding's id (or every rule) in the block or right above it (the
    comments only: nothing is parsed)."""
    if path is None:
        return False
    try:
        text = read_text(path, DEFAULT_MAX_FILE_SIZE, {})
    except (OSError, SourceError):
        return False
    if "mfa-lint:ignore" not in text:
        return False
    return FileSuppressions(text).suppresses(finding, block[0], block)


def resource_block(path: str | None, name: str, first: int, last: int) -> tuple[int, int] | None:
    """A template resource's lines from checkov's marks on its conf (which start at the resource's first key and end
    at the next resource's): from the logical id line to its last line of content."""
    if path is None:
        return None
    try:
        lines = read_text(path, DEFAULT_MAX_FILE_SIZE, {}).split("\n")
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


def has_ignore_comments(path: str | None) -> bool:
    """The file holds `mfa-lint:ignore` comments (then the CLI's suppressions decide what checkov reports)."""
    if path is None:
        return False
    try:  # the comments only: nothing is parsed
        text = read_text(path, DEFAULT_MAX_FILE_SIZE, {})
    except (OSError, SourceError):
        return False
    return "mfa-lint:ignore" in text and bool(FileSuppressions(text))
