"""``python -m vecedit …`` runs the ``vecedit`` command (see :mod:`vecedit.cli`)."""

import sys

from vecedit.cli import main

sys.exit(main())
