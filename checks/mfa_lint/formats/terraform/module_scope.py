"""What `var.x`, `local.x` and `data.template_file.x` can resolve to in one module: the definitions of all its files.

A module is its whole folder; each file's definitions are read once per text (most files define nothing and are not
even parsed for this), and the file being read wins over its siblings for a name both define.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lark import Tree

from mfa_lint.formats.terraform.hcl_syntax import attributes, blocks, parse_hcl, root_body
from mfa_lint.formats.terraform.hcl_values import Definition, Scope
from mfa_lint.formats.terraform.variables import Declaration, declarations
from mfa_lint.reading.site import SourceError

_DEFINES = re.compile(r"^\s*(?:variable|locals|data\s+\"template_file\")\b", re.MULTILINE)


@dataclass(frozen=True)
class Definitions:
    """One file's definitions."""

    variables: dict[str, Definition] = field(default_factory=dict)  # those with a default
    locals: dict[str, Definition] = field(default_factory=dict)
    templates: dict[str, Definition] = field(default_factory=dict)  # data "template_file" bodies
    declared: dict[str, Declaration] = field(default_factory=dict)  # every `variable` block


_NONE = Definitions()


@lru_cache(maxsize=256)
def parsed(text: str) -> Tree:
    """A module file's parse tree, shared by every reading of it (a module's files are read once per call)."""
    return parse_hcl(text)


def module_scope(
    texts: dict[str, str], this: tuple[str, Tree, str] | None = None, directory: str | None = None
) -> tuple[Scope, dict[str, Declaration]]:
    """The scope of a module in `directory` from its files (`texts`: key -> text) and the file being read (`this`:
    its name, tree and text, whose definitions win); every variable declaration by name."""
    scope = Scope()
    declared: dict[str, Declaration] = {}
    this_key = this[0] if this else None
    found = [sibling_definitions(os.path.basename(name), text, directory) for name, text in sorted(texts.items())
             if os.path.basename(name) != this_key and name.endswith(".tf")]
    if this is not None:
        found.append(definitions(*this, directory))  # last: this file's definitions win
    for definitions_of_file in found:
        scope.variables.update(definitions_of_file.variables)
        scope.locals.update(definitions_of_file.locals)
        scope.template_files.update(definitions_of_file.templates)
        declared.update(definitions_of_file.declared)
    return scope, declared


@lru_cache(maxsize=2048)
def sibling_definitions(name: str, text: str, directory: str | None = None) -> Definitions:
    """Another file's definitions; most files define none, and those are not even parsed."""
    if not _DEFINES.search(text):
        return _NONE
    try:
        return definitions(name, parsed(text), text, directory)
    except SourceError:
        return _NONE


def definitions(name: str, tree: Tree, text: str, directory: str | None = None) -> Definitions:
    """One file's definitions (`name`: its name in the module, whose folder is `directory`: where the values written
    in its variables' types are)."""
    variables: dict[str, Definition] = {}
    local_values: dict[str, Definition] = {}
    templates: dict[str, Definition] = {}
    for block in blocks(root_body(tree)):
        if block.type == "data" and block.labels[:1] == ("template_file",) and len(block.labels) == 2:
            templates[block.labels[1]] = Definition(block.body, name, text)
        elif block.type == "locals":
            for attr in attributes(block.body):
                local_values[attr.name] = Definition(attr.expression, name, text)
    declared = declarations(name, tree, text, directory)
    for variable, declaration in declared.items():
        if declaration.default is not None:
            variables[variable] = declaration.default
    return Definitions(variables, local_values, templates, declared)
