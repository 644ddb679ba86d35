"""`python -m mfa_lint` runs the CLI."""

from mfa_lint.cli import main

raise SystemExit(main())
