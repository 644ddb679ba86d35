"""Terraform's part of the fast-path filter: a `.tf` file without MFA text may still take an MFA test from elsewhere.

A walked file is left unparsed when no MFA key (nor a key within edit distance 3 of one, see core.keys.may_mention_mfa)
occurs in its text (formats.registry.may_hold_mfa) nor in what it may take values from. For Terraform that is the
variables and locals defined in the other files of its module, the tfvars files of its folder and the var files and
`-var` values given to the scan; a file that calls `file()` / `templatefile()` or a module is always parsed, since
the policy may be in what it reads, and so is a policy document that merges others (their statements may sit in the
module's other files) and a file holding a policy resource that reads a module's output. Syntax errors in unparsed
files are then terraform's business; `--check-syntax` parses every file.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.formats.terraform.module_context import module_texts, tfvars_files
from mfa_lint.formats.terraform.resources import RESOURCES
from mfa_lint.reading.context import ReadContext

# A .tf file that refers to variables or locals, and a file that defines them.
_TF_REFERENCE = re.compile(r"\b(?:var|local)\.")
_TF_DEFINITION = re.compile(r"^\s*(?:variable|locals)\b", re.MULTILINE)
# A .tf file whose policies may come from other files: file() / templatefile(), or a module call (the reader reads
# the called module's files with the caller's arguments).
_TF_READS_OTHER_FILES = re.compile(r"\b(?:file|templatefile)\s*\(|^\s*module\s+\"|\"template_file\"", re.MULTILINE)
# A policy document merging others (their statements may sit in the module's other files or in a module), and a
# policy that may be a module's output (`policy = module.x.policy_json`): a file holding a policy resource.
_TF_MERGES = re.compile(r"^\s*(?:source_policy_documents|override_policy_documents|source_json|override_json)\s*=",
                        re.MULTILINE)
_TF_MODULE_OUTPUT = re.compile(r"\bmodule\.[A-Za-z_][\w-]*\.")
_TF_POLICY_RESOURCE = re.compile(
    r"^\s*resource\s+\"(?:" + "|".join(map(re.escape, sorted(RESOURCES))) + r")\"", re.MULTILINE
)

# `file("${path.module}/p.yaml")` with a literal path (the common case: yamldecode(file(...)) leaves no position in
# the file it reads, so only the call says which file was read)
_TF_LITERAL_FILE = re.compile(r'\b(?:file|templatefile)\s*\(\s*"(?:\$\{path\.(?:module|root)\}/)?([^"$]+)"')


def literal_file_reads(path: str, text: str) -> set[str]:
    """The files a .tf reads through `file()`/`templatefile()` with a literal path (relative to its folder)."""
    folder = os.path.dirname(path)
    return {os.path.normpath(os.path.join(folder, m.group(1))) for m in _TF_LITERAL_FILE.finditer(text)}


def may_take_mfa(path: str, text: str, context: ReadContext) -> bool:
    """For a `.tf` without MFA text: True when it reads other files, merges policy documents, reads a module's output
    into a policy, or references variables or locals that another file of its module defines with MFA text or that
    a tfvars file of its folder or a value given to the scan may set to one."""
    siblings = module_texts(path, context)
    if _TF_READS_OTHER_FILES.search(text) or _reads_documents(text, siblings):
        return True
    if not _TF_REFERENCE.search(text):
        return False
    if any(may_mention_mfa(value) for value in _variable_texts(path, context)):
        return True  # a variable's value (a tfvars file, a var file) may be the MFA key or the operator
    # a policy (or a value in it) may come from a variable default or a local defined in another file
    return any(_defines_mfa_values(other) for other in siblings.values())


def _reads_documents(text: str, siblings: dict[str, str]) -> bool:
    """A policy document merging others that its module's files (or a module) hold, or a policy resource that may
    read a module's output."""
    if _TF_MERGES.search(text) and (_TF_MODULE_OUTPUT.search(text) or any(map(may_mention_mfa, siblings.values()))):
        return True
    return bool(_TF_MODULE_OUTPUT.search(text) and _TF_POLICY_RESOURCE.search(text))


def _variable_texts(path: str, context: ReadContext) -> list[str]:
    """The texts that may set the variables of the file's module when it is read as a root module: its folder's tfvars
    files and the var files and `-var` values given to the scan."""
    texts = [context.referenced(file) or "" for file in tfvars_files(os.path.dirname(path) or ".")]
    for kind, value in context.tf_vars:
        texts.append((context.referenced(value) or "") if kind == "file" else value)
    return texts


@lru_cache(maxsize=4096)
def _defines_mfa_values(text: str) -> bool:
    """A module file that defines variables or locals and mentions MFA (cached: every file of the module asks)."""
    return _TF_DEFINITION.search(text) is not None and may_mention_mfa(text)
