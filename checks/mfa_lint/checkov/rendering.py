"""Did checkov render a policy completely? Anything it left as text is read from the file by mfa-lint instead.

checkov evaluates what it can and leaves the rest as expression text inside the conf: `${...}` interpolations,
`jsonencode(` calls, `data.`/`module.`/`var.` references, function calls such as `tostring(var.x)` or
`try(each.value.x, 1)`, `for` expressions, `dynamic` blocks; in CloudFormation, intrinsics (`Fn::If`, `Fn::Sub`,
`Ref`). Judging such text as a literal is wrong both ways (MFA003 on `tostring(var.x)`, PASSED on a dynamic
condition), so these tests err towards "unrendered": a false hit only costs a read of the file. Imports nothing
from checkov.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mfa_lint.formats.cloudformation.intrinsics import any_node, has_intrinsics

# `${` not followed by an IAM policy variable (`${aws:username}`, `${saml:sub}`, `${*}`, `${?}`, `${$}`), or a
# template directive `%{ if }` / `%{ for }` (IAM has no such syntax: checkov left a template unrendered).
_INTERPOLATION = re.compile(r"\$\{(?![\w.-]*:|[*?$]\})|%\{")
_REFERENCE = re.compile(r"^\s*(?:var|local|data|module|each|count|path|terraform|self)\.[\w-]")
_CALL = re.compile(r"(?<![\w:/.-])[a-z][a-z0-9_]*\(")
# a `for` expression checkov printed as text (`[for r in [...] : {...} if r.enabled]`)
_FOR = re.compile(r"^\s*[\[{]\s*for\s+[\w-]+(?:\s*,\s*[\w-]+)?\s+in\s")
_LIMIT = 20_000


def unrendered_text(node: Any) -> bool:
    """A string that is (or holds) a Terraform expression checkov did not evaluate."""
    return isinstance(node, str) and bool(
        _INTERPOLATION.search(node) or _REFERENCE.match(node) or _CALL.search(node) or _FOR.match(node)
    )


def terraform_unrendered(value: Any) -> str | None:
    """The first text under `value` that checkov left unrendered, or None when the value is complete."""
    found: list[str] = []

    def hit(node: Any) -> bool:
        if unrendered_text(node):
            found.append(node)
            return True
        if isinstance(node, Mapping) and "dynamic" in node:
            found.append("a dynamic block")
            return True
        return False

    if any_node(value, hit, _LIMIT):
        return found[0] if found else "a value too large to inspect"
    return None


def cloudformation_unrendered(value: Any) -> bool:
    """CloudFormation intrinsics checkov left in the value (`Fn::If`, `Fn::Sub`, a `Ref` without a default...)."""
    return has_intrinsics(value, _LIMIT)
