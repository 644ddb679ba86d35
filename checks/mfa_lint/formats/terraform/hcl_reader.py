"""mfa-lint's reader for Terraform `.tf` files: every policy document, its kind, and where each part sits.

Which attributes hold policies, and of which kind, comes from mfa_lint.formats.terraform.resources (shared with the
checkov checks). Values are evaluated by hcl_values (jsonencode objects, heredocs, JSON strings, variables with
defaults and locals of the same module); JSON held in strings is decoded with positions by json_positions, shifted
to where the string sits in the file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from lark import Tree

from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_located import attach, paths
from mfa_lint.formats.terraform.hcl_syntax import (
    Attribute,
    Block,
    attributes,
    blocks,
    parse_hcl,
    root_body,
    token_span,
)
from mfa_lint.formats.terraform.hcl_values import Definition, Evaluated, Evaluator, Scope
from mfa_lint.formats.terraform.module_context import called_module_texts
from mfa_lint.formats.terraform.policy_document_blocks import build_policy_document
from mfa_lint.formats.terraform.resources import POLICY_DOCUMENT_DATA_SOURCES, RESOURCES, policy_values
from mfa_lint.formats.terraform.suppression import block_skips
from mfa_lint.formats.terraform.template_json import decode
from mfa_lint.formats.terraform.values import normalise_version
from mfa_lint.reading import limits
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.site import PolicySite, SourceError, Span


def read_terraform(
    path: str, text: str, module_texts: dict[str, str] | None = None, *, context: ReadContext | None = None,
    arguments: dict[str, Any] | None = None, _calls: tuple[str, ...] = (),
) -> list[PolicySite]:
    """The policy documents in one `.tf` file. `module_texts`: the module's other `.tf` files (name -> text), whose
    variables and locals may be referenced here. `context`: the scan's read context (the files `file()` and module
    calls read, the time budget). `arguments`: when the file belongs to a called module, the values the caller gives
    its variables (name -> value). Local module calls in the file (`source = "./..."`, or a module `terraform init`
    fetched into `.terraform/modules`) are read too, each call on its own, as `module.<name>.<address>`. Raises
    SourceError when `text` is not valid HCL."""
    context = context or ReadContext()
    tree = _parsed(text) if _calls else parse_hcl(text)  # a module's files: parsed once for all its calls
    file_key = os.path.basename(path)
    scope = _module_scope(file_key, tree, text, module_texts or {})
    evaluator = Evaluator(scope, file_key, overrides={f"var.{k}": v for k, v in (arguments or {}).items()},
                          context=context)
    evaluator.directory = os.path.dirname(os.path.abspath(path))
    lines = text.splitlines()
    sites: list[PolicySite] = []
    documents = _policy_document_names([text, *(module_texts or {}).values()])
    uses: dict[str, set[str]] = {}  # data source name -> policy kinds of the attributes that use its json
    for block in blocks(root_body(tree)):
        context.check_time()
        if block.type == "resource" and len(block.labels) >= 2 and block.labels[0] in RESOURCES:
            suppressed = block_skips(lines, block.line, block.end_line)
            for site in _resource_sites(path, file_key, text, block, evaluator, documents, uses):
                site.suppressed, site.block = suppressed, (block.line, block.end_line)
                if site.file != path:  # read with `file()`: the block is in this file, the document in that one
                    site.block_file = path
                sites.append(site)
    data_blocks = [b for b in blocks(root_body(tree))
                   if b.type == "data" and len(b.labels) >= 2 and b.labels[0] in POLICY_DOCUMENT_DATA_SOURCES]
    if data_blocks:
        names = {b.labels[1] for b in data_blocks}
        _sibling_uses(file_key, module_texts or {}, evaluator, documents, names, uses)
    for block in data_blocks:
        for kind in sorted(uses.get(block.labels[1], ())) or [POLICY_DOCUMENT_DATA_SOURCES[block.labels[0]]]:
            site = _policy_document_site(path, file_key, text, block, evaluator, kind)
            site.suppressed, site.block = block_skips(lines, block.line, block.end_line), (block.line, block.end_line)
            sites.append(site)
    sites.extend(_module_call_sites(path, file_key, text, tree, evaluator, _calls))
    return sites


# -- local module calls -------------------------------------------------------------------------------------------

_META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


def _module_call_sites(
    path: str, file_key: str, text: str, tree: Tree, evaluator: Evaluator, calls: tuple[str, ...]
) -> list[PolicySite]:
    """The policies of every module this file calls whose code is on disk, read with the call's arguments."""
    sites: list[PolicySite] = []
    if len(calls) >= limits.MODULE_CALL_DEPTH:
        return sites
    for block in blocks(root_body(tree)):
        if block.type != "module" or len(block.labels) != 1:
            continue
        attrs = {a.name: a for a in attributes(block.body)}
        if "source" not in attrs:
            continue
        source = evaluator.evaluate(attrs["source"].expression, file_key, text).value
        directory = _module_directory(os.path.dirname(os.path.abspath(path)), block.labels[0], source,
                                      evaluator.context)
        if directory is None or directory in calls:
            continue
        texts = called_module_texts(directory, evaluator.context)
        for key, instance in _instances(attrs, evaluator, file_key, text):
            label = f"module.{block.labels[0]}" + ("" if key is None else f"[{json.dumps(key)}]")
            arguments = {name: instance.evaluate(attr.expression, file_key, text).value
                         for name, attr in attrs.items() if name not in _META_ARGUMENTS}
            for module_path, module_text in texts.items():
                others = {p: t for p, t in texts.items() if p != module_path}
                evaluator.context.check_time()
                try:
                    found = read_terraform(_shown_path(path, module_path), module_text, others,
                                           context=evaluator.context, arguments=arguments, _calls=calls + (directory,))
                except SourceError:
                    continue  # reported when that file itself is scanned
                for site in found:
                    site.resource = f"{label}.{site.resource}"
                    if not may_mention_mfa(text):
                        site.notes = []  # no MFA text in the call: the module's own files report what is unexpanded
                    sites.append(site)
    return sites


def _instances(
    attrs: dict[str, Any], evaluator: Evaluator, file_key: str, text: str
) -> list[tuple[str | None, Evaluator]]:
    """(instance key, evaluator) per instance of the call: `each.key`/`each.value` bound for a known `for_each`
    collection, named `module.<call>["<key>"]` as terraform and checkov name them; else (a larger or unknown
    collection) one, with `each` unbound, so what depends on it is unresolved."""
    if "for_each" not in attrs:
        return [(None, evaluator)]
    collection = evaluator.evaluate(attrs["for_each"].expression, file_key, text).value
    if isinstance(collection, dict):
        items = list(collection.items())
    elif isinstance(collection, list) and all(isinstance(v, str) for v in collection):
        items = [(v, v) for v in collection]  # toset([...]): each.key and each.value are the element
    else:
        return [(None, evaluator)]
    if not items or len(items) > limits.MODULE_INSTANCES or not all(isinstance(k, str) for k, _ in items):
        return [(None, evaluator)]
    return [(key, evaluator.derive(bindings={"each": {"key": key, "value": value}})) for key, value in items]


def _module_directory(caller: str, name: str, source: Any, context: ReadContext) -> str | None:
    """A local `source` (`./modules/iam`), else the folder `terraform init` put the module in, when present."""
    if not isinstance(source, str):
        return None
    if source.startswith(("./", "../")):
        directory = os.path.normpath(os.path.join(caller, source))
        return directory if os.path.isdir(directory) else None
    manifest = context.referenced(os.path.join(caller, ".terraform", "modules", "modules.json"))
    if manifest is None:
        return None
    try:
        entries = json.loads(manifest).get("Modules", [])
    except (ValueError, AttributeError):
        return None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("Key") == name and isinstance(entry.get("Dir"), str):
            directory = os.path.normpath(os.path.join(caller, entry["Dir"]))
            return directory if os.path.isdir(directory) else None
    return None


def _sibling_uses(
    file_key: str, module_texts: dict[str, str], evaluator: Evaluator, documents: frozenset[str],
    names: set[str], uses: dict[str, set[str]],
) -> None:
    """Add the kinds of the other files' attributes that use this file's policy document data sources (`names`).

    A data source used by an SCP is judged as an SCP (MFA004), by a user policy as an identity policy (MFA005).
    Only files that name one of them are parsed.
    """
    mentions = re.compile(rf"\bdata\.(?:{_DOCUMENT_TYPES})\.(?:{'|'.join(map(re.escape, sorted(names)))})\b")
    for name, other in sorted(module_texts.items()):
        base = os.path.basename(name)
        if base == file_key or not name.endswith(".tf") or not mentions.search(other):
            continue
        try:
            tree = _parsed(other)
        except SourceError:
            continue
        for block in blocks(root_body(tree)):
            if block.type == "resource" and len(block.labels) >= 2 and block.labels[0] in RESOURCES:
                for _ in _resource_sites(name, base, other, block, evaluator, documents, uses):
                    pass


@lru_cache(maxsize=128)
def _parsed(text: str) -> Tree:
    return parse_hcl(text)


# -- module scope -------------------------------------------------------------------------------------------------


_DEFINES = re.compile(r"^\s*(?:variable|locals|data\s+\"template_file\")\b", re.MULTILINE)

#: (variables with a default, locals, data "template_file" bodies)
Definitions = tuple[dict[str, Definition], dict[str, Definition], dict[str, Definition]]


def _module_scope(file_key: str, tree: Tree, text: str, module_texts: dict[str, str]) -> Scope:
    """Variables with defaults and locals from this file and the module's other files (unparsable ones skipped).

    A module's files are read once per scan, not once per file that references them (see _sibling_definitions).
    """
    scope = Scope()
    for name, other_text in sorted(module_texts.items()):
        if os.path.basename(name) == file_key or not name.endswith(".tf"):
            continue
        variables, local_values, templates = _sibling_definitions(os.path.basename(name), other_text)
        scope.variables.update(variables)
        scope.locals.update(local_values)
        scope.template_files.update(templates)
    variables, local_values, templates = _definitions(file_key, tree, text)  # last: this file's definitions win
    scope.variables.update(variables)
    scope.locals.update(local_values)
    scope.template_files.update(templates)
    return scope


@lru_cache(maxsize=2048)
def _sibling_definitions(name: str, text: str) -> Definitions:
    """Another file's definitions; most files define none, and those are not even parsed."""
    if not _DEFINES.search(text):
        return {}, {}, {}
    try:
        return _definitions(name, parse_hcl(text), text)
    except SourceError:
        return {}, {}, {}


def _definitions(name: str, tree: Tree, text: str) -> Definitions:
    variables: dict[str, Definition] = {}
    local_values: dict[str, Definition] = {}
    templates: dict[str, Definition] = {}
    for block in blocks(root_body(tree)):
        if block.type == "data" and block.labels[:1] == ("template_file",) and len(block.labels) == 2:
            templates[block.labels[1]] = Definition(block.body, name, text)
        if block.type == "variable" and block.labels:
            default = next((a for a in attributes(block.body) if a.name == "default"), None)
            if default is not None:
                variables[block.labels[0]] = Definition(default.expression, name, text)
        elif block.type == "locals":
            for attr in attributes(block.body):
                local_values[attr.name] = Definition(attr.expression, name, text)
    return variables, local_values, templates


# -- resources ----------------------------------------------------------------------------------------------------


def _resource_sites(
    path: str, file_key: str, text: str, block: Block, evaluator: Evaluator, documents: frozenset[str],
    uses: dict[str, set[str]],
) -> Iterator[PolicySite]:
    resource_type, name = block.labels[0], block.labels[1]
    address = f"{resource_type}.{name}"

    def top_level() -> dict[str, Any]:
        return {a.name: evaluator.evaluate(a.expression, file_key, text).value for a in attributes(block.body)}

    for found in policy_values(resource_type, block.body, top_level, HCL_NAVIGATOR):
        kind, attr = found.kind, found.value
        evaluated = evaluator.evaluate(attr.expression, file_key, text)
        if evaluated.value is None:
            continue
        document = _policy_document_reference(evaluated.value)
        if document in documents:  # a data source of this module: judged at its own block, as this kind
            uses.setdefault(document, set()).add(kind)
            continue
        yield _site(path, address, kind, attr, evaluated)


class _HclNavigator:
    """Steps of a location-table path through HCL syntax: an attribute, or the bodies of the blocks so named."""

    def child(self, body: Any, name: str) -> list[Any]:
        if not isinstance(body, Tree):
            return []  # an attribute where the table expects blocks (`inline_policy = [...]`)
        found = [a for a in attributes(body) if a.name == name]
        if found:
            return found
        bodies = [b.body for b in blocks(body) if b.type == name]
        return [bodies] if bodies else []

    def elements(self, node: Any) -> list[Any]:
        return list(node) if isinstance(node, list) else [node]


HCL_NAVIGATOR = _HclNavigator()


_DOCUMENT_TYPES = "|".join(map(re.escape, POLICY_DOCUMENT_DATA_SOURCES))
_POLICY_DOCUMENT_REFERENCE = re.compile(rf"data\.(?:{_DOCUMENT_TYPES})\.([\w-]+)(?:\[[^\]]*\])?\.json")
_POLICY_DOCUMENT_BLOCK = re.compile(rf"^\s*data\s+\"(?:{_DOCUMENT_TYPES})\"\s+\"([\w-]+)\"", re.MULTILINE)


def _policy_document_names(texts: list[str]) -> frozenset[str]:
    """The policy document data sources the module defines (a `data.` reference only resolves within its module)."""
    return frozenset(name for text in texts for name in _POLICY_DOCUMENT_BLOCK.findall(text))


def _policy_document_reference(value: Any) -> str | None:
    """The data source name in `data.aws_iam_policy_document.x.json`, else None."""
    match = _POLICY_DOCUMENT_REFERENCE.fullmatch(value.raw.strip()) if isinstance(value, Unknown) else None
    return match.group(1) if match else None


def _site(path: str, address: str, kind: str, attr: Attribute, evaluated: Evaluated) -> PolicySite:
    value, spans = decoded_document(evaluated)
    origin = evaluated.origins.get(())
    span = token_span(attr.name_token)
    shown = path
    if origin is not None and origin.whole_file and origin.file and spans and not _same_file(origin.file, path):
        # the whole policy sits in another file (`file()`, `templatefile()`): the site is that file
        shown = _shown_path(path, origin.file)
        found = spans.get(())
        span = Span(found.line, found.column, found.end_line, found.end_column) if found else Span(1, 1, 1, 2)
    return PolicySite(
        document=normalise_version(value),
        kind=kind,
        file=shown,
        resource=address,
        span=span,
        locate=_locator(spans, path, shown),
    )


def _same_file(a: str, b: str) -> bool:
    return os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b))


def _shown_path(site_path: str, target: str) -> str:
    """The referenced file's path, written the way the scanned file's path was (relative stays relative)."""
    if os.path.isabs(site_path):
        return target
    return os.path.relpath(target)


def decoded_document(evaluated: Evaluated) -> tuple[Any, dict[tuple, Span]]:
    """An attribute's value as a policy document: JSON held in a string (heredoc, quoted, template, a file) is
    decoded with positions in the file it was written in, its interpolations unknown one by one; invalid JSON goes
    to the core as it is (a note there). Spans in a file other than the evaluated one carry that file."""
    value = evaluated.value
    origin = evaluated.origins.get(())
    if origin is not None and isinstance(value, (str, Unknown)):
        try:
            decoded, spans = decode(origin)
        except SourceError:
            return value, {}
        located = attach(decoded, spans, origin.file)
        return located, paths(located)
    if isinstance(value, str):  # JSON text computed by a function (`replace(file(...), ...)`): no positions
        try:
            return loads_with_positions(value)[0], {}
        except SourceError:
            return value, {}
    return value, evaluated.spans


def _policy_document_site(
    path: str, file_key: str, text: str, block: Block, evaluator: Evaluator, kind: str
) -> PolicySite:
    built = build_policy_document(block, evaluator, file_key, text)
    return PolicySite(
        document=built.document,
        kind=kind,
        file=path,
        resource=f"data.{block.labels[0]}.{block.labels[1]}",
        span=token_span(block.header),
        locate=_locator(built.spans, path, path),
        notes=built.notes,
    )


def _locator(spans: dict[tuple, Span], path: str, shown: str) -> Callable[[tuple], Span | None]:
    """`locate` for a site read from `path` and shown as `shown`: a span without a file lies in `path`; a span in
    `shown` loses its file; any other file is written the way `path` was (relative stays relative)."""
    placed: dict[tuple, Span] = {}
    files: dict[str | None, str | None] = {}  # a span's file -> the file its located span names (None: `shown`)
    for key, span in spans.items():
        if span.file not in files:
            where = span.file if span.file is not None else path
            files[span.file] = None if _same_file(where, shown) else (
                where if span.file is None else _shown_path(path, where))
        file = files[span.file]
        placed[key] = span if span.file == file else Span(span.line, span.column, span.end_line, span.end_column,
                                                           file)

    def locate(document_path: tuple) -> Span | None:
        return placed.get(tuple(document_path))

    return locate
