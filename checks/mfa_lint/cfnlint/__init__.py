"""mfa-lint's cfn-lint rules: `cfn-lint -a mfa_lint.cfnlint`, or `append_rules: [mfa_lint.cfnlint]` in .cfnlintrc.

cfn-lint instantiates every rule class it finds in this module's namespace, so only the generated rule classes
(E9001 ... W9005) are exposed here, never their base class.
"""

from mfa_lint.cfnlint.rules import RULE_CLASSES

globals().update(RULE_CLASSES)

__all__ = sorted(RULE_CLASSES)
