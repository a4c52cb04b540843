"""`python -m services.runtime ...` is the `parlons` command."""

from services.runtime.cli import main

raise SystemExit(main())
