"""One wing per IaC language."""
