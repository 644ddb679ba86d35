"""The checkov plugin: `checks_dir()` is the folder to pass to `checkov --external-checks-dir`.

Importing this package does not import checkov (it costs over a second); only `mfa_lint.checkov.checks` does.
"""

from __future__ import annotations

from pathlib import Path

from mfa_lint.core.catalog import RULES

#: The ids to pass to `checkov -c`.
CHECK_IDS = tuple(rule.checkov_id for rule in RULES.values())


def checks_dir() -> str:
    """The directory holding the one module checkov imports; it registers every mfa-lint check once."""
    return str(Path(__file__).resolve().parent / "external")
