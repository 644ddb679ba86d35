"""Plain IAM policy JSON."""
