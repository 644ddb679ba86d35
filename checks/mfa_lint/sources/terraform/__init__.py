"""mfa-lint's own Terraform readers: HCL files (`read_terraform`) and `terraform show -json` plans (`read_plan`)."""

from mfa_lint.sources.terraform.hcl_reader import read_terraform
from mfa_lint.sources.terraform.plan_reader import is_plan, read_plan

__all__ = ["is_plan", "read_plan", "read_terraform"]
