"""Entry point for `python -m civdash`."""

from civdash.cli import main

raise SystemExit(main())
