"""CloudFormation and SAM."""
