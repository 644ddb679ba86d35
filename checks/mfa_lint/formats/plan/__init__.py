"""Terraform plan JSON."""
