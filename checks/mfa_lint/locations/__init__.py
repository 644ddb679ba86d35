"""Where policy documents sit in each IaC language, and what kind each is: one table per language."""
