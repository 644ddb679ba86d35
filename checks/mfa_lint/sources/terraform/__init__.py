"""mfa-lint's own Terraform readers: HCL files (`hcl_reader.read_terraform`) and `terraform show -json` plans
(`plan_reader.read_plan`). Nothing is imported here, so that reading a plan does not load the HCL parser."""
