"""Loaded by checkov from `--external-checks-dir` (as a top-level module, once per framework registry).

Registration is idempotent: every load after the first reuses the checks already registered.
"""

from mfa_lint.checkov.checks import register

register()
