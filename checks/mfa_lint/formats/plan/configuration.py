"""Where a plan's resources are written: each planned address mapped to the `resource` block of the configuration
file that declares it, so that a plan's findings land in the configuration (a plan is one line of JSON).

The root module's folder is `--tf-root`, or else looked for beside the plan: the plan's own folder, then its parents
up to the repository root (the nearest folder with `.git`; only the plan's own folder outside a repository). A folder
is the plan's root module only when its configuration files declare every resource, data source and module call of
the plan's root module (`configuration.root_module`, else the root addresses planned): a folder of unrelated `.tf`
files is never used. A `--tf-root` that fails this is searched below for one that passes, and else used as given.

An address in a module (`module.a.module.b.aws_iam_policy.p`) is looked up in the folder of its call: a local
`source` relative to the calling module's folder (from the plan's `configuration`), else the folder `terraform
init` recorded in `.terraform/modules/modules.json`. Only a declaration of the same type and name in that folder is
used; an address declared nowhere keeps the plan's own place. Every file is read through the read context (its size
limit and cache), the number read is bounded (limits.TF_ROOT_FILES), and no file is parsed: declarations are found
by their header line and the block's extent by matching braces (strings, comments and heredocs skipped).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.formats.terraform.module_context import configuration_files
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.limits import HCL_TEMPLATE_NESTING, PLAN_MODULE_DEPTH, TF_ROOT_FILES
from mfa_lint.reading.lines import line_starts, position_of
from mfa_lint.reading.site import Span

#: `resource "type" "name" {`, `data "type" "name" {`, `module "name" {` (labels quoted or bare)
_HEADER = re.compile(r'^[ \t]*(resource|data|module)((?:[ \t]+(?:"[^"\n]*"|[\w-]+))+)[ \t]*\{', re.MULTILINE)
_LABEL = re.compile(r'"([^"\n]*)"|([\w-]+)')
_INDEX = r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]'
_MODULE_STEP = re.compile(rf'module\.([\w-]+)(?:{_INDEX})?\.')
_RESOURCE = re.compile(rf'(data\.)?([\w-]+)\.([\w-]+)(?:{_INDEX})?')


@dataclass(frozen=True)
class Declaration:
    """Where a resource is written: its file, the span of the `resource` keyword, its block's first and last line."""

    file: str
    span: Span
    block: tuple[int, int]


@dataclass
class _Folder:
    """The declarations of one module folder: address (`type.name`, `data.type.name`, `module.name`) -> place."""

    declared: dict[str, Declaration] = field(default_factory=dict)


class Configuration:
    """The configuration a plan was made from, as far as it is on disk: Declaration by planned address."""

    def __init__(self, root: str, doc: Mapping[str, Any], context: ReadContext) -> None:
        self.root = root
        self.doc = doc
        self.context = context
        self._folders: dict[str, _Folder] = {}
        self._reads = 0
        self._manifest: dict[str, str] | None = None

    def declaration(self, address: str) -> Declaration | None:
        """Where a planned resource (`module.a["k"].aws_iam_policy.p[0]`) is declared, or None."""
        calls, rest = split_address(address)
        if rest is None:
            return None
        directory = self._module_folder(calls)
        return self.folder(directory).declared.get(rest) if directory else None

    def folder(self, directory: str) -> _Folder:
        found = self._folders.get(directory)
        if found is None:
            found = self._folders[directory] = _Folder()
            for path in configuration_files(directory):
                if self._reads >= TF_ROOT_FILES:
                    break
                self._reads += 1
                text = self.context.referenced(path)
                if text is not None:
                    _declarations(path, text, found.declared)
        return found

    def _module_folder(self, calls: list[str]) -> str | None:
        """The folder of the module at the end of a chain of calls (`["a", "b"]`: module.a.module.b)."""
        directory, module = self.root, _root_module(self.doc)
        for depth, name in enumerate(calls):
            call = _mapping(_mapping(module.get("module_calls")).get(name))
            source = call.get("source")
            if isinstance(source, str) and source.startswith(("./", "../")):
                directory = os.path.normpath(os.path.join(directory, source))
            else:
                recorded = self._recorded(".".join(calls[: depth + 1]))
                if recorded is None:
                    return None
                directory = recorded
            module = _mapping(call.get("module"))
        return directory if os.path.isdir(directory) else None

    def _recorded(self, key: str) -> str | None:
        """The folder `terraform init` put module `key` (`a.b`) in (.terraform/modules/modules.json, relative to the
        root module)."""
        if self._manifest is None:
            self._manifest = {}
            text = self.context.referenced(os.path.join(self.root, ".terraform", "modules", "modules.json"))
            try:
                entries = json.loads(text).get("Modules", []) if text else []
            except (ValueError, AttributeError):
                entries = []
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
                    self._manifest[entry["Key"]] = os.path.normpath(os.path.join(self.root, entry["Dir"]))
        return self._manifest.get(key)


def find_configuration(
    plan_path: str, doc: Mapping[str, Any], context: ReadContext, tf_root: str | None = None
) -> Configuration | None:
    """The configuration the plan was made from: `tf_root` (given), else the folder found beside the plan (see the
    module docstring); None when no folder is the plan's root module."""
    required = root_addresses(doc)
    if tf_root is not None:
        candidates = [tf_root, *_below(tf_root)]
    else:
        candidates = _beside(os.path.dirname(os.path.abspath(plan_path)))
        if not os.path.isabs(plan_path):  # findings name files as the plan was named: relative to the working folder
            candidates = [os.path.relpath(c) for c in candidates]
    for directory in candidates:
        configuration = Configuration(directory, doc, context)
        if required and required <= configuration.folder(directory).declared.keys():
            return configuration
    return Configuration(tf_root, doc, context) if tf_root is not None else None


def root_addresses(doc: Mapping[str, Any]) -> set[str]:
    """What the plan's root module declares: every resource, data source and module call of
    `configuration.root_module`, else (an older or trimmed plan) of the root addresses planned."""
    module = _root_module(doc)
    if module:
        found = {f"module.{name}" for name in _mapping(module.get("module_calls"))}
        for resource in module.get("resources") or []:
            address = resource.get("address") if isinstance(resource, Mapping) else None
            if isinstance(address, str):
                found.add(address)
        return found
    found = set()
    planned = _mapping(_mapping(doc.get("planned_values")).get("root_module"))
    changes = doc.get("resource_changes")
    addresses = [r.get("address") for r in planned.get("resources") or [] if isinstance(r, Mapping)]
    addresses += [c.get("address") for c in changes if isinstance(c, Mapping)] if isinstance(changes, list) else []
    for address in addresses:
        if not isinstance(address, str):
            continue
        calls, rest = split_address(address)
        if calls:
            found.add(f"module.{calls[0]}")
        elif rest is not None:
            found.add(rest)
    return found


def split_address(address: str) -> tuple[list[str], str | None]:
    """(module call names, `type.name` or `data.type.name` without its index) of a planned address; (…, None) when
    it is not one."""
    calls: list[str] = []
    at = 0
    while len(calls) <= PLAN_MODULE_DEPTH:
        step = _MODULE_STEP.match(address, at)
        if step is None:
            break
        calls.append(step.group(1))
        at = step.end()
    rest = _RESOURCE.fullmatch(address, at)
    if rest is None or (rest.group(2) == "module" and not rest.group(1)):
        return calls, None
    return calls, f"{'data.' if rest.group(1) else ''}{rest.group(2)}.{rest.group(3)}"


def _beside(directory: str) -> list[str]:
    """The plan's folder, then its parents up to the repository root (none outside a repository)."""
    folders = [directory]
    current = directory
    while not os.path.exists(os.path.join(current, ".git")):
        parent = os.path.dirname(current)
        if parent == current:
            return folders[:1]  # not in a repository: only the plan's own folder
        folders.append(parent)
        current = parent
    return folders


def _below(top: str) -> list[str]:
    """Folders under a given `--tf-root` (breadth first, hidden folders left out), bounded like the files read."""
    found: list[str] = []
    pending = [top]
    while pending and len(found) < TF_ROOT_FILES:
        directory = pending.pop(0)
        try:
            names = sorted(e.name for e in os.scandir(directory) if e.is_dir() and not e.name.startswith("."))
        except OSError:
            continue
        for name in names:
            path = os.path.join(directory, name)
            found.append(path)
            pending.append(path)
    return found[:TF_ROOT_FILES]


def _root_module(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_mapping(doc.get("configuration")).get("root_module"))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# -- declarations in a file ---------------------------------------------------------------------------------------


def _declarations(path: str, text: str, out: dict[str, Declaration]) -> None:
    """Add the resources, data sources and module calls `path` declares (the first declaration of an address wins:
    override files are listed last)."""
    if path.endswith(".json"):
        _json_declarations(path, text, out)
        return
    starts = line_starts(text)
    ends: dict[int, int] | None = None
    for match in _HEADER.finditer(text):
        labels = [quoted if quoted is not None else bare for quoted, bare in _LABEL.findall(match.group(2))]
        block_type = match.group(1)
        if block_type == "module" and len(labels) == 1:
            address = f"module.{labels[0]}"
        elif block_type in ("resource", "data") and len(labels) == 2:
            address = f"{'data.' if block_type == 'data' else ''}{labels[0]}.{labels[1]}"
        else:
            continue
        keyword = match.start(1)
        line, column = position_of(starts, keyword)
        if ends is None:
            ends = _block_ends(text)
        end = ends.get(match.end() - 1)
        last = position_of(starts, end)[0] if end is not None else line
        out.setdefault(address, Declaration(path, Span(line, column, line, column + len(block_type)), (line, last)))


def _json_declarations(path: str, text: str, out: dict[str, Declaration]) -> None:
    """Terraform's JSON syntax (`.tf.json`): `{"resource": {"type": {"name": {...}}}}`, each at its name's line."""
    try:
        document = json.loads(text)
    except ValueError:
        return
    starts = line_starts(text)
    for block_type in ("resource", "data", "module"):
        bodies = document.get(block_type) if isinstance(document, dict) else None
        for body in bodies if isinstance(bodies, list) else [bodies]:
            for first, value in _mapping(body).items():
                if block_type == "module":
                    addresses = [(f"module.{first}", first)]
                else:
                    prefix = "data." if block_type == "data" else ""
                    items = value if isinstance(value, list) else [value]
                    addresses = [(f"{prefix}{first}.{name}", name) for item in items for name in _mapping(item)]
                for address, name in addresses:
                    at = max(text.find(json.dumps(name)), 0)
                    line, column = position_of(starts, at)
                    span = Span(line, column, line, column + len(json.dumps(name)))
                    out.setdefault(address, Declaration(path, span, (line, line)))


def _block_ends(text: str) -> dict[int, int]:
    """The offset of the `}` that closes each `{` (by the `{`'s offset), in one pass over the text: strings (with
    `${...}`), comments and heredocs are skipped. A `{` that never closes is left out."""
    ends: dict[int, int] = {}
    opened: list[int] = []
    at, size = 0, len(text)
    while at < size:
        char = text[at]
        if char == "{":
            opened.append(at)
        elif char == "}":
            if opened:
                ends[opened.pop()] = at
        elif char == '"':
            at = _string_end(text, at + 1)
        elif char == "#" or text.startswith("//", at):
            at = text.find("\n", at)
            if at < 0:
                break
        elif text.startswith("/*", at):
            at = text.find("*/", at + 2)
            if at < 0:
                break
            at += 1
        elif text.startswith("<<", at):
            heredoc = _HEREDOC.match(text, at)
            if heredoc is not None:
                closing = re.compile(rf"^[ \t]*{re.escape(heredoc.group(1))}[ \t]*$", re.MULTILINE)
                found = closing.search(text, heredoc.end())
                if found is None:
                    break
                at = found.end() - 1
        at += 1
    return ends


_HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)[ \t]*\n")


def _string_end(text: str, at: int, nesting: int = 0) -> int:
    """The offset of the `"` that ends a string whose text starts at `at` (`${ ... }` may hold quoted strings, each
    followed up to HCL_TEMPLATE_NESTING deep)."""
    depth, size = 0, len(text)
    while at < size:
        char = text[at]
        if char == "\\":
            at += 2
            continue
        if char == "\n" and depth == 0:
            return at  # an unclosed string ends at its line (a broken file: never a runaway)
        if text.startswith("${", at) or text.startswith("%{", at):
            depth += 1
            at += 2
            continue
        if char == "}" and depth:
            depth -= 1
        elif char == '"' and depth == 0:
            return at
        elif char == '"' and nesting < HCL_TEMPLATE_NESTING:
            at = _string_end(text, at + 1, nesting + 1)
        at += 1
    return size
