"""`python -m nightcare`: the same command line as the `nightcare` script."""

from nightcare.cli import main

raise SystemExit(main())
