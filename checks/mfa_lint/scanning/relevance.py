"""The skip filter: a walked file that cannot hold an MFA test is not parsed (the default fast path).

Most of a repository holds no MFA condition, and parsing is the costly part. A file is left unparsed when no MFA key
(nor a key within edit distance 3 of one, see core.keys.may_mention_mfa) occurs in its text, nor in what it may take
values from: for Terraform, the variables and locals defined in the other files of its module (and a file that
calls `file()` / `templatefile()` or a module is always parsed, since the policy may be in what it reads). Syntax
errors in such files are then terraform's and cfn-lint's business; `--check-syntax` parses every file.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.files import CANDIDATE_EXT, TERRAFORM_EXT

# A .tf file that refers to variables or locals, and a file that defines them.
_TF_REFERENCE = re.compile(r"\b(?:var|local)\.")
_TF_DEFINITION = re.compile(r"^\s*(?:variable|locals)\b", re.MULTILINE)
# A .tf file whose policies may come from other files: file() / templatefile(), or a module call (the reader reads
# the called module's files with the caller's arguments).
_TF_READS_OTHER_FILES = re.compile(r"\b(?:file|templatefile)\s*\(|^\s*module\s+\"|\"template_file\"", re.MULTILINE)


def may_hold_mfa(path: str, text: str, module_texts: dict[str, str] | None) -> bool:
    """False only when neither the file nor what it references can hold an MFA key."""
    if not path.lower().endswith(CANDIDATE_EXT):
        return True  # not a usual extension: let the readers decide what it is
    if may_mention_mfa(text):
        return True
    if path.lower().endswith(TERRAFORM_EXT) and _TF_READS_OTHER_FILES.search(text):
        return True
    if not module_texts or not _TF_REFERENCE.search(text):
        return False
    # a policy (or a value in it) may come from a variable default or a local defined in another file
    return any(_defines_mfa_values(other) for other in module_texts.values())


@lru_cache(maxsize=4096)
def _defines_mfa_values(text: str) -> bool:
    """A module file that defines variables or locals and mentions MFA (cached: every file of the module asks)."""
    return _TF_DEFINITION.search(text) is not None and may_mention_mfa(text)
