"""`python -m civdash.sample --out DIR [--weeks N] [--latest-only]`: write the sample city's files."""

from civdash.sample.workbooks import main

raise SystemExit(main())
