"""The dependency-free core: policy model, condition evaluation, rules. Imports nothing outside the stdlib."""
