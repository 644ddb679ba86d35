"""mfa-lint's reader for Terraform `.tf` files: every policy document, its kind, and where each part sits.

Which attributes hold policies, and of which kind, comes from mfa_lint.formats.terraform.resources (shared with the
checkov checks). A file is read as part of its module instance (module_instance: variables set as Terraform sets
them, module calls and outputs, data sources merged as the provider merges them); values are evaluated by
hcl_values, and JSON held in strings is decoded with positions by json_positions, shifted to where the string sits.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from lark import Tree

from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.attachments import CONTEXTUAL, called_by, fixed_placement, module_attachments
from mfa_lint.formats.terraform.documents import DOCUMENT_REFERENCE, HCL_NAVIGATOR, decoded_document, references
from mfa_lint.formats.terraform.hcl_syntax import (
    Attribute,
    Block,
    attributes,
    blocks,
    root_body,
    token_span,
)
from mfa_lint.formats.terraform.hcl_values import Evaluated, Evaluator
from mfa_lint.formats.terraform.module_context import reads_as_opentofu
from mfa_lint.formats.terraform.module_instance import ModuleInstance, for_each_instances
from mfa_lint.formats.terraform.module_scope import parsed
from mfa_lint.formats.terraform.policy_document_blocks import build_policy_document
from mfa_lint.formats.terraform.resources import POLICY_DOCUMENT_DATA_SOURCES, RESOURCES, policy_values
from mfa_lint.formats.terraform.suppression import block_skips
from mfa_lint.formats.terraform.values import normalise_version
from mfa_lint.formats.terraform.variables import VariableInputs
from mfa_lint.reading.attachments import Placement, mentions_mfa, merged
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.limits import VALIDATION_VARIANTS
from mfa_lint.reading.site import PolicySite, SourceError, Span, Variant

__all__ = ["HCL_NAVIGATOR", "read_terraform", "decoded_document"]


def read_terraform(
    path: str, text: str, module_texts: dict[str, str] | None = None, *, context: ReadContext | None = None,
    arguments: dict[str, Any] | None = None, inputs: VariableInputs | None = None,
    _instance: ModuleInstance | None = None,
) -> list[PolicySite]:
    """The policy documents in one `.tf` file. `module_texts`: the module's other `.tf` files (name -> text), whose
    variables and locals may be referenced here. `context`: the scan's read context (the files `file()` and module
    calls read, the time budget). `arguments`: when the file belongs to a called module, the values the caller gives
    its variables (name -> value); without them the file's folder is a root module and its variables take the
    values of its tfvars files and of `inputs` (var files, `-var` values given to the scan; by default the read
    context's `tf_vars`). Local module calls (`source = "./..."`, or a module `terraform init` fetched into
    `.terraform/modules`) are read too, each instance on its own, as `module.<name>.<address>`. A policy's kind and
    callers come from what it is attached to in its module instance (formats.terraform.attachments). Raises
    SourceError when `text` is not valid HCL."""
    context = _instance.context if _instance is not None else (context or ReadContext())
    if inputs is None:
        inputs = VariableInputs(context.tf_vars)
    file_key = os.path.basename(path)
    if _instance is not None:  # a called module's file, read through its call: parsed once for all its calls
        tree = parsed(text)
        instance = _instance
    else:
        tree = parsed(text)  # cached: the module's other files may read it as their sibling
        instance = ModuleInstance(os.path.dirname(os.path.abspath(path)), os.path.dirname(path), module_texts or {},
                                  arguments=arguments, inputs=inputs, this=(file_key, tree, text), context=context,
                                  opentofu=reads_as_opentofu(path, _names(module_texts)))
    evaluator = instance.evaluator(file_key)
    bounded: dict[str, tuple[Any, ...]] = {
        f"var.{name}": declaration.allowed for name, declaration in instance.declared.items()
        if declaration.allowed and declaration.default is None and f"var.{name}" not in instance.overrides}
    toggles = _toggles(instance, evaluator)
    lines = text.splitlines()
    sites: list[PolicySite] = []
    for block in blocks(root_body(tree)):
        context.check_time()
        if block.type == "resource" and len(block.labels) >= 2 and block.labels[0] in RESOURCES:
            suppressed = block_skips(lines, block.line, block.end_line)

            def resource(ev: Evaluator, block: Block = block) -> list[PolicySite]:
                return list(_resource_sites(path, file_key, text, block, ev, instance))

            for site in _tried(resource, evaluator, bounded, toggles):
                site.suppressed, site.block = suppressed, (block.line, block.end_line)
                if site.file != path:  # read with `file()`: the block is in this file, the document in that one
                    site.block_file = path
                if mentions_mfa(site.document) or fixed_placement(block.labels[0], site.kind):
                    _place(site, _placement(block.labels[0], block.labels[1], site.kind, instance))
                sites.append(site)
    data_blocks = [b for b in blocks(root_body(tree))
                   if b.type == "data" and len(b.labels) >= 2 and b.labels[0] in POLICY_DOCUMENT_DATA_SOURCES]
    kinds = instance.document_kinds(frozenset(b.labels[1] for b in data_blocks)) if data_blocks else {}
    inputs_only = instance.inputs_only() if data_blocks else set()
    for block in data_blocks:
        if block.labels[1] in inputs_only and block.labels[1] not in kinds:
            # merged into other documents of the module: judged there, with their kinds
            sites.append(PolicySite(document=None, kind=POLICY_DOCUMENT_DATA_SOURCES[block.labels[0]], file=path,
                                    resource=f"data.{block.labels[0]}.{block.labels[1]}",
                                    span=token_span(block.header), merged_into="the documents that merge it"))
            continue
        used = kinds.get(block.labels[1], set())
        placements = [Placement(kind) for kind in sorted(used) or [POLICY_DOCUMENT_DATA_SOURCES[block.labels[0]]]]

        def document(ev: Evaluator, block: Block = block, kind: str = placements[0].kind) -> list[PolicySite]:
            return [_policy_document_site(path, file_key, text, block, ev, kind, instance)]

        default, first = placements[0], _tried(document, evaluator, bounded, toggles)
        if used and any(may_mention_mfa(t) for t in instance.files().values()) and _may_test_mfa(first):
            # its callers decide a verdict only where it may hold an MFA test: only then the attachments are worked out
            placements = _document_placements(block.labels[1], used, instance)
        for placement in sorted(placements, key=lambda p: p.kind):

            def document(ev: Evaluator, block: Block = block, kind: str = placement.kind) -> list[PolicySite]:
                return [_policy_document_site(path, file_key, text, block, ev, kind, instance)]

            built = first if placement is default else None
            for site in built or _tried(document, evaluator, bounded, toggles):
                site.suppressed = block_skips(lines, block.line, block.end_line)
                site.block = (block.line, block.end_line)
                site.callers = placement.callers
                sites.append(site)
    if instance.notes:
        for site in sites:
            site.notes = list(dict.fromkeys([*instance.notes, *site.notes]))
    sites.extend(_module_call_sites(text, tree, instance))
    return sites


def _names(module_texts: dict[str, str] | None) -> list[str] | None:
    """The file names of the module's other files, when given (else the folder is listed)."""
    return None if module_texts is None else [os.path.basename(k) for k in module_texts]
# -- attachments --------------------------------------------------------------------------------------------------


def _may_test_mfa(sites: list[PolicySite]) -> bool:
    """Some document of the sites (a variant included) may hold an MFA test."""
    return any(mentions_mfa(d) for site in sites for d in (site.document, *(v.document for v in site.variants)))


def _placement(resource_type: str, name: str, kind: str, instance: ModuleInstance) -> Placement:
    """The kind and callers of one policy of the module instance: fixed by its resource type, else from what it is
    attached to in the instance (only asked for a document that may hold an MFA test: otherwise no rule can fire)."""
    fixed = fixed_placement(resource_type, kind)
    if fixed is not None:
        return fixed
    if resource_type in CONTEXTUAL:
        return module_attachments(instance).place(resource_type, name, kind)
    return Placement(kind)


def _document_placements(name: str, kinds: set[str], instance: ModuleInstance) -> list[Placement]:
    """The placements of a policy-document data source: those of the policies that are its `json`, merged per kind
    (reading.attachments.merged); a use the graph does not see (through a module output, a local) keeps its kind's
    default callers."""
    users = module_attachments(instance).document_users(name)
    through_outputs: set[str] = set()
    for output, used in instance.output_uses.items():
        if name in instance.output_references(output)[0]:
            through_outputs |= used
    placements: list[Placement] = []
    for kind in sorted(kinds):
        mine = [(resource_type, resource) for k, resource_type, resource in users if k == kind]
        placements.extend(_placement(resource_type, resource, kind, instance) for resource_type, resource in mine)
        if not mine or kind in through_outputs:
            placements.append(Placement(kind))
    return merged(placements)


def _place(site: PolicySite, placement: Placement) -> None:
    site.kind, site.callers = placement.kind, placement.callers


def _toggles(instance: ModuleInstance, evaluator: Evaluator) -> dict[str, tuple[Any, ...]]:
    """`var.x` -> (its default, the other boolean) for the root module's boolean variables that nothing else sets
    (`allow_legacy_cli = false`): the default is what deploys, the other value is what a `-var` or a tfvars file
    elsewhere may deploy (tried as an alternative: a rule only it gives is a note, core.variants). A called module's
    variables are what its call gives."""
    if instance.scope.called:
        return {}
    found: dict[str, tuple[Any, ...]] = {}
    for name, declaration in instance.declared.items():
        marker = f"var.{name}"
        if declaration.default is None or declaration.allowed or marker in instance.overrides:
            continue
        known, value = evaluator._lookup("var", name, (), None, ())
        if known and isinstance(value, bool):
            found[marker] = (value, not value)
    return found


def _tried(
    build: Callable[[Evaluator], list[PolicySite]], evaluator: Evaluator, bounded: dict[str, tuple[Any, ...]],
    toggles: dict[str, tuple[Any, ...]],
) -> list[PolicySite]:
    """The sites `build` gives; where they depend on variables that nothing sets but a validation pins to a set
    (`contains(["Bool", "BoolIfExists"], var.op)`), each site holds one variant per combination of allowed values
    (a bounded unknown: judged like the core judges an unknown, every value tried). A boolean variable with a default
    (_toggles) is tried with both values, its default first; a variant with the other value is an `alternative`."""
    probe = evaluator.tracking()  # records every variable nothing sets, and every variable, that the sites reach
    first = build(probe)
    values = {**{n: bounded[n] for n in probe.unset if n in bounded}, **{n: toggles[n] for n in probe.reached
                                                                          if n in toggles}}
    hit = sorted(values)
    if not hit:
        return first
    combinations = list(itertools.islice(itertools.product(*(values[name] for name in hit)), VALIDATION_VARIANTS + 1))
    if len(combinations) > VALIDATION_VARIANTS:
        return first  # too many: the variables stay unknown (the core tries what it can, or notes them)
    tries = [(combination, build(evaluator.derive(overrides=dict(zip(hit, combination, strict=True)))))
             for combination in combinations]
    if any(len(found) != len(first) for _, found in tries):
        return first
    out: list[PolicySite] = []
    for index in range(len(first)):
        chosen = [found[index] for _, found in tries]
        site = chosen[0]
        site.variants = [
            Variant(", ".join(f"{name} = {json.dumps(value)}" for name, value in zip(hit, combination, strict=True)),
                    found[index].document, found[index].locate,
                    alternative=any(name in toggles and value != toggles[name][0]
                                    for name, value in zip(hit, combination, strict=True)),
                    values=tuple((name, json.dumps(value)) for name, value in zip(hit, combination, strict=True)))
            for combination, found in tries
        ]
        site.notes = list(dict.fromkeys(note for s in chosen for note in s.notes))
        out.append(site)
    return out


# -- local module calls -------------------------------------------------------------------------------------------


def _module_call_sites(text: str, tree: Tree, instance: ModuleInstance) -> list[PolicySite]:
    """The policies of every module this file calls whose code is on disk, each instance read with its arguments
    (its calls in turn, up to limits.MODULE_CALL_DEPTH levels, named `module.a.module.b.<address>`)."""
    sites: list[PolicySite] = []
    quiet = not may_mention_mfa(text)
    for block in blocks(root_body(tree)):
        if block.type != "module" or len(block.labels) != 1:
            continue
        name = block.labels[0]
        for key, child in instance.children(name):
            called_by(child, instance)  # a role it is given is looked up in this instance's attachments
            label = f"module.{name}" + ("" if key is None else f"[{json.dumps(key)}]")
            if not child.chain.take(len(child.texts)):
                break  # limits.MODULE_FILE_READS: enough module files read for this file
            for module_path, module_text in sorted(child.texts.items()):
                instance.context.check_time()
                try:
                    found = read_terraform(child.shown(module_path), module_text, _instance=child)
                except SourceError:
                    continue  # reported when that file itself is scanned
                for site in found:
                    site.resource = f"{label}.{site.resource}"
                    if quiet:
                        site.notes = []  # no MFA text in the call: the module's own files report what is unexpanded
                    sites.append(site)
    return sites


# -- resources ----------------------------------------------------------------------------------------------------


def _resource_sites(
    path: str, file_key: str, text: str, block: Block, evaluator: Evaluator, instance: ModuleInstance
) -> Iterator[PolicySite]:
    """The policies of one resource block; a block with a known `for_each` is one resource per instance
    (`aws_iam_role.this["admin"]`, with `each` bound), as terraform plans and checkov names them."""
    resource_type, name = block.labels[0], block.labels[1]
    attrs = {a.name: a for a in attributes(block.body)}
    for key, instance_evaluator in for_each_instances(attrs, evaluator, file_key, text):
        address = f"{resource_type}.{name}" + ("" if key is None else f"[{json.dumps(key)}]")
        yield from _instance_sites(path, file_key, text, block, instance_evaluator, instance, address)


def _instance_sites(
    path: str, file_key: str, text: str, block: Block, evaluator: Evaluator, instance: ModuleInstance, address: str
) -> Iterator[PolicySite]:
    resource_type = block.labels[0]

    def top_level() -> dict[str, Any]:
        return {a.name: evaluator.evaluate(a.expression, file_key, text).value for a in attributes(block.body)}

    documents = instance.data_names()
    for found in policy_values(resource_type, block.body, top_level, HCL_NAVIGATOR):
        kind, attr = found.kind, found.value
        names, outputs = references(attr.expression, text)
        if (names or outputs) and all(n in documents for n in names) \
                and all(_judged_in_module(instance, call, output) for call, output in outputs):
            continue  # data sources (here or in a called module): judged at their own blocks, as this kind
        if len(outputs) == 1 and not names:
            located = instance.resolve_document(attr.expression, file_key, text)
            if not isinstance(located.document, Unknown):
                yield _located_site(path, address, kind, attr, located.document, located.spans, located.notes)
                continue
        evaluated = evaluator.evaluate(attr.expression, file_key, text)
        if evaluated.value is None:
            continue
        document = _policy_document_reference(evaluated.value)
        if document in documents:  # a data source of this module: judged at its own block, as this kind
            continue
        yield _site(path, address, kind, attr, evaluated)


def _judged_in_module(instance: ModuleInstance, call: str, output: str) -> bool:
    """Output `output` of every instance of call `call` is (or forwards) a policy data source of the called module,
    which is judged at its own block there, with the kinds of its users here (ModuleInstance.output_uses)."""
    children = instance.children(call)
    if not children:
        return False
    for _, child in children:
        located = child.located_output(output)
        if located is None or located.judged_at is None:
            return False
    return True


def _policy_document_reference(value: Any) -> str | None:
    """The data source name in `data.aws_iam_policy_document.x.json`, else None."""
    match = DOCUMENT_REFERENCE.fullmatch(value.raw.strip()) if isinstance(value, Unknown) else None
    return match.group(1) if match else None


def _located_site(
    path: str, address: str, kind: str, attr: Attribute, document: Any, spans: dict[tuple, Span], notes: list[str]
) -> PolicySite:
    """A policy whose document comes from elsewhere (a module output): findings point where its parts sit."""
    return PolicySite(document=normalise_version(document), kind=kind, file=path, resource=address,
                      span=token_span(attr.name_token), locate=_locator(spans, path, path), notes=list(notes))


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


def _policy_document_site(
    path: str, file_key: str, text: str, block: Block, evaluator: Evaluator, kind: str, instance: ModuleInstance
) -> PolicySite:
    with instance.building(block.labels[1]):
        built = build_policy_document(block, evaluator, file_key, text, instance)
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
