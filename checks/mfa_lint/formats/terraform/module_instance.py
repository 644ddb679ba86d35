"""One module instance as Terraform evaluates it: its files, the values its variables get, its local module calls
(each called module an instance of its own, any number of levels down) and what its callers read of it.

- The root module (a folder read on its own) takes its variables' values from tfvars files and the scan's var files
  (variables.root_values); a called module takes its caller's arguments, evaluated in the caller.
- `module.<call>.<output>` (also `module.<call>["key"].<output>` and `module.<call>[0].<output>`) is the called
  module's `output` block evaluated in that instance; a called module's own calls are followed the same way, up to
  limits.MODULE_CALL_DEPTH levels, never into a folder already on the call chain (a cycle), and at most
  limits.MODULE_FILE_READS called files per scanned file.
- An `aws_iam_policy_document` is built with its input documents merged as the provider does (policy_merge), each
  input resolved here: another data source of the module, a module output, or any expression.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from lark import Token, Tree

from mfa_lint.core.findings import UNRESOLVED, Note
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.documents import (
    DOCUMENT_REFERENCE,
    DOCUMENT_TYPES,
    OUTPUT_REFERENCE,
    decoded_document,
    references,
)
from mfa_lint.formats.terraform.hcl_located import LocatedDict, attach
from mfa_lint.formats.terraform.hcl_syntax import Attribute, Block, attributes, blocks, node_text, root_body
from mfa_lint.formats.terraform.hcl_values import Evaluator
from mfa_lint.formats.terraform.module_context import TERRAFORM_EXTENSIONS, called_module_texts
from mfa_lint.formats.terraform.module_scope import module_scope, parsed
from mfa_lint.formats.terraform.policy_merge import LocatedDocument, with_file
from mfa_lint.formats.terraform.resources import POLICY_DOCUMENT_DATA_SOURCES
from mfa_lint.formats.terraform.variables import VariableInputs, module_inputs, root_values
from mfa_lint.reading import limits
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import SourceError
from mfa_lint.reading.unknowns import terraform_unknown

_META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
_MODULE_BLOCK = re.compile(r"^\s*module\s+\"", re.MULTILINE)
_DOCUMENT_MENTION = re.compile(rf"\bdata\.(?:{DOCUMENT_TYPES})\.([\w-]+)")
_DOCUMENT_BLOCK = re.compile(rf"^\s*data\s+\"(?:{DOCUMENT_TYPES})\"\s+\"([\w-]+)\"", re.MULTILINE)
_INPUT_FIELD = re.compile(r"^\s*(?:source_policy_documents|override_policy_documents|source_json|override_json)\s*=",
                          re.MULTILINE)


@dataclass
class CallChain:
    """How an instance was reached: the folders of the calls above it (the cycle check) and the shared budget."""

    directories: tuple[str, ...] = ()
    reads: list[int] = field(default_factory=lambda: [limits.MODULE_FILE_READS])

    def below(self, directory: str) -> CallChain | None:
        """The chain one call further down, or None when the call would loop or go too deep."""
        if directory in self.directories or len(self.directories) > limits.MODULE_CALL_DEPTH:  # the first: the root
            return None
        return CallChain(self.directories + (directory,), self.reads)

    def take(self, count: int) -> bool:
        """Spend `count` file reads; False when the budget cannot cover them."""
        if self.reads[0] < count:
            return False
        self.reads[0] -= count
        return True


@dataclass(frozen=True)
class CallBlock:
    """A `module "name" { ... }` block of the module, and the file it sits in."""

    name: str
    file: str  # key of the file (its base name)
    text: str
    block: Block
    attrs: dict[str, Attribute]


class ModuleInstance:
    """One module instance: scope, values, calls, data sources and outputs, each computed once when first asked."""

    def __init__(
        self, directory: str, shown_directory: str, texts: dict[str, str], *, label: str = "",
        arguments: dict[str, Any] | None = None, inputs: VariableInputs | None = None,
        chain: CallChain | None = None, this: tuple[str, Tree, str] | None = None,
        context: ReadContext | None = None, opentofu: bool = False,
    ) -> None:
        self.context = context or ReadContext()
        self.opentofu = opentofu  # read in OpenTofu's view: so are the modules it calls (module_context)
        self.directory = directory
        self.shown_directory = shown_directory
        self.texts = texts  # key (base name or path) -> text; `this` file may be left out
        self.label = label  # "" for the module read on its own, "module.a", "module.a.module.b[\"k\"]" ...
        self.chain = chain or CallChain((directory,))
        self.inputs = inputs
        self.notes: list[Note] = []
        self.scope, self.declared = module_scope(texts, this, directory)
        if arguments is None:  # the root module: tfvars files and the scan's var files
            root = root_values(directory, inputs, self.context)
            given = module_inputs(self.declared, root.values, from_outside=True)
            self.notes.extend(Note(f"unresolved value: {error}: its variable values are not used", kind=UNRESOLVED)
                              for error in root.errors)
        else:
            given = module_inputs(self.declared, arguments, from_outside=False)
            self.scope.called = True
        self.overrides = {f"var.{name}": value for name, value in given.items()}
        self.scope.module_outputs = self._module_output
        self._this = this
        self._files: dict[str, str] | None = None
        self._data_names: dict[str, str] | None = None
        self._data_blocks: dict[str, tuple[str, str, Block]] = {}
        self._inputs_only: set[str] | None = None
        self._evaluators: dict[str, Evaluator] = {}
        self._calls: dict[str, CallBlock] | None = None
        self._children: dict[str, list[tuple[str | None, ModuleInstance]]] = {}
        self._documents: dict[str, LocatedDocument] = {}
        self._building: set[str] = set()
        self._outputs: dict[str, tuple[bool, Any]] = {}
        #: output name -> policy kinds of the caller's attributes that use that output
        self.output_uses: dict[str, set[str]] = {}
        #: outputs the caller uses only as input documents of its own data sources
        self.input_outputs: set[str] = set()

    # -- files and evaluation -------------------------------------------------------------------------------------

    @property
    def this_key(self) -> str | None:
        """The file being read, when the instance was made for one."""
        return self._this[0] if self._this is not None else None

    def files(self) -> dict[str, str]:
        """key -> text of every file of the module, the file being read included."""
        if self._files is None:
            found = {os.path.basename(k): t for k, t in self.texts.items() if k.endswith(TERRAFORM_EXTENSIONS)}
            if self._this is not None:
                found[self._this[0]] = self._this[2]
            self._files = found
        return self._files

    def tree(self, key: str) -> Tree | None:
        if self._this is not None and key == self._this[0]:
            return self._this[1]
        text = self.files().get(key)
        if text is None:
            return None
        try:
            return parsed(text)
        except SourceError:
            return None

    def shown(self, key: str) -> str:
        """A file of the module as findings name it (relative when the scanned path was)."""
        return os.path.join(self.shown_directory, os.path.basename(key)) if self.shown_directory else key

    def evaluator(self, key: str) -> Evaluator:
        """The evaluator recording positions in file `key` (one per file; they share scope and values)."""
        found = self._evaluators.get(key)
        if found is None:
            found = Evaluator(self.scope, key, overrides=dict(self.overrides), context=self.context)
            found.directory = self.directory
            self._evaluators[key] = found
        return found

    # -- module calls ---------------------------------------------------------------------------------------------

    def calls(self) -> dict[str, CallBlock]:
        """Every `module` block of the module (only files with one are parsed)."""
        if self._calls is None:
            self._calls = {}
            for key, text in sorted(self.files().items()):
                if not _MODULE_BLOCK.search(text):
                    continue
                tree = self.tree(key)
                if tree is None:
                    continue
                for block in blocks(root_body(tree)):
                    if block.type == "module" and len(block.labels) == 1:
                        attrs = {a.name: a for a in attributes(block.body)}
                        self._calls.setdefault(block.labels[0], CallBlock(block.labels[0], key, text, block, attrs))
        return self._calls

    def children(self, name: str) -> list[tuple[str | None, ModuleInstance]]:
        """The instances of call `name` whose code is on disk: (instance key, instance), each with its arguments."""
        if name in self._children:
            return self._children[name]
        found: list[tuple[str | None, ModuleInstance]] = []
        self._children[name] = found
        call = self.calls().get(name)
        if call is None or "source" not in call.attrs:
            return found
        evaluator = self.evaluator(call.file)
        source = evaluator.evaluate(call.attrs["source"].expression, call.file, call.text).value
        directory = module_directory(self.directory, name, source, self.context)
        chain = self.chain.below(directory) if directory else None
        if directory is None or chain is None:
            return found
        texts = called_module_texts(directory, self.context, self.opentofu)
        shown_directory = _shown_path(self.shown_directory or ".", directory)
        for key, instance in for_each_instances(call.attrs, evaluator, call.file, call.text):
            arguments = {arg: instance.evaluate(attr.expression, call.file, call.text).value
                         for arg, attr in call.attrs.items() if arg not in _META_ARGUMENTS}
            label = f"module.{name}" + ("" if key is None else f"[{json.dumps(key)}]")
            child = ModuleInstance(directory, shown_directory, texts, label=_join(self.label, label),
                                   arguments=arguments, inputs=self.inputs, chain=chain, context=self.context,
                                   opentofu=self.opentofu)
            found.append((key, child))
        if found:
            # only now that every instance exists: the uses evaluate attributes that may read `module.<name>.<x>`
            # (read while the list is being built, they would resolve to nothing, and that would be remembered)
            uses, inputs = self.call_output_uses(name), self.call_input_outputs(name)
            for _, child in found:
                child.output_uses, child.input_outputs = uses, inputs
        return found

    def call_input_outputs(self, name: str) -> set[str]:
        """The outputs of call `name` that this module mentions only in the input documents of its data sources."""
        from mfa_lint.formats.terraform.policy_document import INPUT_DOCUMENT_FIELDS

        mention = re.compile(rf"\bmodule\.{re.escape(name)}(?:\[[^\]]*\])?\.([\w-]+)")
        mentions: dict[str, int] = {}
        as_input: dict[str, int] = {}
        for text in self.files().values():
            for output in mention.findall(text):
                mentions[output] = mentions.get(output, 0) + 1
        if not mentions:
            return set()
        merging = [self.data_block(n) for n, key in self.data_names().items() if _INPUT_FIELD.search(self.files()[key])]
        for _, text, block in (found for found in merging if found is not None):
            for attr in attributes(block.body):
                if attr.name in INPUT_DOCUMENT_FIELDS:
                    for output in mention.findall(node_text(attr.expression, text)):
                        as_input[output] = as_input.get(output, 0) + 1
        return {output for output, count in as_input.items() if mentions.get(output) == count}

    def call_output_uses(self, name: str) -> dict[str, set[str]]:
        """The kinds with which this module's policy attributes (and its own callers, through its outputs) use the
        outputs of call `name`: output name -> kinds."""
        from mfa_lint.formats.terraform.resource_uses import attribute_uses

        uses: dict[str, set[str]] = {}
        for (call, output), kinds in attribute_uses(self, frozenset(), frozenset({name}))[1].items():
            if call == name:
                uses.setdefault(output, set()).update(kinds)
        for output, kinds in self.output_uses.items():
            for call, inner in self.output_references(output)[1]:
                if call == name:
                    uses.setdefault(inner, set()).update(kinds)
        return uses

    def _module_output(self, accessors: tuple) -> tuple[bool, Any, int]:
        """Scope hook for `module.<call>[<key>].<output>`: the output's value in that instance, and how many
        accessors that took (the rest index into the value)."""
        instance, output, used = self._output_target(accessors)
        if instance is None or output is None:
            return False, None, used
        found, value = instance.output(output)
        return found, value, used

    def _output_target(self, accessors: tuple) -> tuple[ModuleInstance | None, str | None, int]:
        """(instance, output name, accessors used) for `<call>.<output>`, `<call>["key"].<output>` (for_each) or
        `<call>[0].<output>` (count)."""
        if len(accessors) < 2 or not isinstance(accessors[0], str) or accessors[0] not in self.calls():
            return None, None, 0
        call = self.calls()[accessors[0]]
        children = self.children(accessors[0])
        if not children:
            return None, None, 0
        if "for_each" in call.attrs or "count" in call.attrs:
            if len(accessors) < 3 or not isinstance(accessors[2], str):
                return None, None, 0
            wanted = accessors[1]
            if isinstance(wanted, str):
                keyed = [c for k, c in children if k == wanted]
                return (keyed[0] if keyed else None), accessors[2], 3
            if isinstance(wanted, int) and "count" in call.attrs:
                return children[0][1], accessors[2], 3  # every count instance has the same arguments here
            return None, None, 0
        if len(children) != 1 or not isinstance(accessors[1], str):
            return None, None, 0
        return children[0][1], accessors[1], 2

    # -- outputs --------------------------------------------------------------------------------------------------

    def output_block(self, name: str) -> tuple[str, str, Attribute] | None:
        """(file key, text, `value` attribute) of `output "name"`."""
        for key, text in sorted(self.files().items()):
            if f'"{name}"' not in text:
                continue
            tree = self.tree(key)
            if tree is None:
                continue
            for block in blocks(root_body(tree)):
                if block.type == "output" and block.labels[:1] == (name,):
                    value = next((a for a in attributes(block.body) if a.name == "value"), None)
                    if value is not None:
                        return key, text, value
        return None

    def output_references(self, name: str) -> tuple[list[str], list[tuple[str, str]]]:
        """What output `name` is made of: the data sources (`data.aws_iam_policy_document.x.json`) and module outputs
        (`module.c.out`) its value expression names, directly or in a conditional's branches."""
        found = self.output_block(name)
        if found is None:
            return [], []
        key, text, attr = found
        return references(attr.expression, text)

    def output(self, name: str) -> tuple[bool, Any]:
        """The value of output `name`, remembering where its parts are written (in this module's files, or wherever
        they came from); a policy data source's `json` is its document kept as a structure marked encoded (a JSON
        string to Terraform: `jsondecode` gives the structure back, a string context its text)."""
        if name not in self._outputs:
            self._outputs[name] = (False, None)  # a cycle reads as unresolved
            located = self.located_output(name)
            if located is None or isinstance(located.document, Unknown):
                self._outputs[name] = (False, None)
            else:
                value = attach(located.document, located.spans)
                if located.judged_at is not None and isinstance(value, LocatedDict):
                    value = LocatedDict(value, span=value.span, key_spans=dict(value.key_spans), encoded=True)
                self._outputs[name] = (True, value)
        return self._outputs[name]

    def located_output(self, name: str) -> LocatedDocument | None:
        """Output `name` with where its parts sit (in this module's files): a data source of the module is built
        (and names itself in `judged_at`), a module output of a call is followed, anything else evaluated."""
        found = self.output_block(name)
        if found is None:
            return None
        key, text, attr = found
        return self.resolve_document(attr.expression, key, text)

    # -- policy documents -----------------------------------------------------------------------------------------

    def resolve_document(self, node: Tree | Token, key: str, text: str) -> LocatedDocument:
        """A policy document an expression gives, where its parts sit (spans marked with their file)."""
        source = " ".join(node_text(node, text).split())
        match = DOCUMENT_REFERENCE.fullmatch(source)
        found = self.data_block(match.group(1)) if match else None
        if match and found is not None:
            name = match.group(1)
            return replace(self.document(name), judged_at=_join(self.label, f"data.{found[2].labels[0]}.{name}"))
        match = OUTPUT_REFERENCE.fullmatch(source)
        if match:
            instance, output, _ = self._output_target(_output_accessors(match))
            if instance is not None and output is not None:
                located = instance.located_output(output)
                if located is not None:
                    return located
        evaluated = self.evaluator(key).evaluate(node, key, text)
        value, spans = decoded_document(evaluated)
        # a span without a file lies in `key`; the others (a local in a sibling file, a `file()`) name theirs
        return LocatedDocument(value, with_file(spans, self.shown(key)))

    def data_names(self) -> dict[str, str]:
        """name -> file key of the module's policy document data sources (found in the text: nothing is parsed)."""
        if self._data_names is None:
            self._data_names = {}
            for key, text in sorted(self.files().items()):
                for name in _DOCUMENT_BLOCK.findall(text):
                    self._data_names.setdefault(name, key)
        return self._data_names

    def data_block(self, name: str) -> tuple[str, str, Block] | None:
        """(file key, text, block) of policy document data source `name` (its file parsed once)."""
        if name in self._data_blocks:
            return self._data_blocks[name]
        key = self.data_names().get(name)
        tree = self.tree(key) if key is not None else None
        if key is None or tree is None:
            return None
        for block in blocks(root_body(tree)):
            if block.type == "data" and len(block.labels) >= 2 and block.labels[0] in POLICY_DOCUMENT_DATA_SOURCES:
                self._data_blocks.setdefault(block.labels[1], (key, self.files()[key], block))
        return self._data_blocks.get(name)

    @contextmanager
    def building(self, name: str) -> Iterator[None]:
        """Data source `name` is being built (read directly): a document it merges that merges it back is a cycle."""
        self._building.add(name)
        try:
            yield
        finally:
            self._building.discard(name)

    def document(self, name: str, builder: Callable[..., Any] | None = None) -> LocatedDocument:
        """Data source `name` built and merged, spans marked with its file (built once per instance)."""
        if name in self._documents:
            return self._documents[name]
        if name in self._building or len(self._building) >= limits.DOCUMENT_MERGE_NESTING:
            return LocatedDocument(terraform_unknown(f"data.aws_iam_policy_document.{name}.json"),
                                   notes=[Note(f"unresolved value: data.aws_iam_policy_document.{name} is merged into "
                                               "a document it merges (a cycle terraform rejects), or documents merge "
                                               "one another too deeply", kind=UNRESOLVED)])
        from mfa_lint.formats.terraform.policy_document_blocks import build_policy_document

        found = self.data_block(name)
        if found is None:
            return LocatedDocument(terraform_unknown(f"data.aws_iam_policy_document.{name}.json"))
        key, text, block = found
        self._building.add(name)
        try:
            built = build_policy_document(block, self.evaluator(key), key, text, self)
        finally:
            self._building.discard(name)
        located = LocatedDocument(built.document, with_file(built.spans, self.shown(key)), list(built.notes))
        self._documents[name] = located
        return located

    # -- uses of data sources and outputs -------------------------------------------------------------------------

    def inputs_only(self) -> set[str]:
        """Data sources the module uses only as input documents of its other data sources (`source_policy_documents`
        and the like): never a policy on their own, their statements are judged in the documents that merge them."""
        if self._inputs_only is not None:
            return self._inputs_only
        from mfa_lint.formats.terraform.policy_document import INPUT_DOCUMENT_FIELDS

        self._inputs_only = set()
        if not self.input_outputs and not any(_INPUT_FIELD.search(text) for text in self.files().values()):
            return self._inputs_only  # nothing in the module merges documents
        mentions: dict[str, int] = {}
        as_input: dict[str, int] = {}
        for text in self.files().values():
            for name in _DOCUMENT_MENTION.findall(text):
                mentions[name] = mentions.get(name, 0) + 1
        merging = [self.data_block(name) for name, key in self.data_names().items()
                   if _INPUT_FIELD.search(self.files()[key])]
        for _, text, block in (found for found in merging if found is not None):
            for attr in attributes(block.body):
                if attr.name in INPUT_DOCUMENT_FIELDS:
                    for name in _DOCUMENT_MENTION.findall(node_text(attr.expression, text)):
                        as_input[name] = as_input.get(name, 0) + 1
        for output in self.input_outputs:  # outputs the caller only merges into its own documents
            found_output = self.output_block(output)
            if found_output is not None:
                for name in _DOCUMENT_MENTION.findall(node_text(found_output[2].expression, found_output[1])):
                    as_input[name] = as_input.get(name, 0) + 1
        self._inputs_only = {name for name, count in as_input.items() if mentions.get(name) == count}
        return self._inputs_only

    def document_kinds(self, names: frozenset[str]) -> dict[str, set[str]]:
        """data source name -> the kinds of every use of data sources `names`: the module's policy attributes and
        its callers through its outputs."""
        from mfa_lint.formats.terraform.resource_uses import attribute_uses

        kinds = {name: set(found) for name, found in attribute_uses(self, names, frozenset())[0].items()}
        for output, used in self.output_uses.items():
            for name in self.output_references(output)[0]:
                if name in names:
                    kinds.setdefault(name, set()).update(used)
        return kinds


def _output_accessors(match: re.Match[str]) -> tuple:
    key = match.group(2)
    if key is None:
        return (match.group(1), match.group(3))
    index: Any = json.loads(key) if key.startswith('"') else int(key)
    return (match.group(1), index, match.group(3))


def _join(prefix: str, label: str) -> str:
    return f"{prefix}.{label}" if prefix else label


def _shown_path(shown_directory: str, target: str) -> str:
    """A file or folder reached from the scanned file, written the way the scanned path was (relative stays
    relative)."""
    if os.path.isabs(shown_directory):
        return target
    return os.path.relpath(target)


def module_directory(caller: str, name: str, source: Any, context: ReadContext) -> str | None:
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


def for_each_instances(
    attrs: dict[str, Attribute], evaluator: Evaluator, file_key: str, text: str
) -> list[tuple[str | None, Evaluator]]:
    """(instance key, evaluator) per instance of a module call or a resource: `each.key`/`each.value` bound for a
    known `for_each` collection, named `module.<call>["<key>"]` / `<type>.<name>["<key>"]` as terraform and checkov
    name them; else one, without a key."""
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
