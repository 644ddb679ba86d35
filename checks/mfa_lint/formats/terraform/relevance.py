"""Terraform's part of the fast-path filter: a `.tf` file without MFA text may still take an MFA test from elsewhere.

A walked file is left unparsed when no MFA key (nor a key within edit distance 3 of one, see core.keys.may_mention_mfa)
occurs in its text (formats.registry.may_hold_mfa) nor in what it may take values from. For Terraform that is the
variables and locals defined in the other files of its module; a file that calls `file()` / `templatefile()` or a
module is always parsed, since the policy may be in what it reads. Syntax errors in unparsed files are then
terraform's business; `--check-syntax` parses every file.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.formats.terraform.module_context import module_texts
from mfa_lint.reading.context import ReadContext

# A .tf file that refers to variables or locals, and a file that defines them.
_TF_REFERENCE = re.compile(r"\b(?:var|local)\.")
_TF_DEFINITION = re.compile(r"^\s*(?:variable|locals)\b", re.MULTILINE)
# A .tf file whose policies may come from other files: file() / templatefile(), or a module call (the reader reads
# the called module's files with the caller's arguments).
_TF_READS_OTHER_FILES = re.compile(r"\b(?:file|templatefile)\s*\(|^\s*module\s+\"|\"template_file\"", re.MULTILINE)

# `file("${path.module}/p.yaml")` with a literal path (the common case: yamldecode(file(...)) leaves no position in
# the file it reads, so only the call says which file was read)
_TF_LITERAL_FILE = re.compile(r'\b(?:file|templatefile)\s*\(\s*"(?:\$\{path\.(?:module|root)\}/)?([^"$]+)"')


def literal_file_reads(path: str, text: str) -> set[str]:
    """The files a .tf reads through `file()`/`templatefile()` with a literal path (relative to its folder)."""
    folder = os.path.dirname(path)
    return {os.path.normpath(os.path.join(folder, m.group(1))) for m in _TF_LITERAL_FILE.finditer(text)}


def may_take_mfa(path: str, text: str, context: ReadContext) -> bool:
    """For a `.tf` without MFA text: True when it reads other files, or references variables or locals that another
    file of its module defines with MFA text."""
    if _TF_READS_OTHER_FILES.search(text):
        return True
    if not _TF_REFERENCE.search(text):
        return False
    # a policy (or a value in it) may come from a variable default or a local defined in another file
    return any(_defines_mfa_values(other) for other in module_texts(path, context).values())


@lru_cache(maxsize=4096)
def _defines_mfa_values(text: str) -> bool:
    """A module file that defines variables or locals and mentions MFA (cached: every file of the module asks)."""
    return _TF_DEFINITION.search(text) is not None and may_mention_mfa(text)
