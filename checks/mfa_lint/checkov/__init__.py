"""The checkov plugin: `checks_dir()` is the folder to pass to `checkov --external-checks-dir`.

Importing this package does not import checkov (it costs over a second); only `mfa_lint.checkov.checks` does.
"""

from __future__ import annotations

from pathlib import Path

from mfa_lint.core.catalog import NOTES, RULES

#: The ids to pass to `checkov -c`: the rules, then MFA000 (a policy with MFA text that could not be judged in full).
CHECK_IDS = tuple(record.checkov_id for record in (*RULES.values(), *NOTES.values()))


def checks_dir() -> str:
    """The directory holding the one module checkov imports; it registers every mfa-lint check once."""
    return str(Path(__file__).resolve().parent / "external")
