"""``python -m atende.cli``: the same as the ``atende`` command."""

from atende.cli import main

raise SystemExit(main())
