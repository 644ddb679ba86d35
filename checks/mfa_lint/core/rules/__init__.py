"""The rule registry: every module `mfaNNN.py` in this package is one rule (its catalog record `RULE` and its
predicate `check`). Adding a rule is adding a module; the analyzer, the catalog and every surface follow.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass

from mfa_lint.core.findings import Finding
from mfa_lint.core.model import Statement
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule

Check = Callable[[Statement, Policy], list[Finding]]
_MODULE = re.compile(r"mfa\d{3}")


@dataclass(frozen=True)
class RegisteredRule:
    record: Rule
    check: Check


def _discover() -> dict[str, RegisteredRule]:
    found: dict[str, RegisteredRule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not _MODULE.fullmatch(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        record: Rule = module.RULE
        if record.id.lower() != info.name or record.id in found:
            raise ImportError(f"rule module {info.name} holds rule {record.id}")
        found[record.id] = RegisteredRule(record, module.check)
    return found


REGISTRY: dict[str, RegisteredRule] = _discover()
