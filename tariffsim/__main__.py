"""``python -m tariffsim`` runs the ``tariffsim`` command."""

from .cli import main

raise SystemExit(main())
