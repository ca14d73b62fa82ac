"""``python -m vecedit …`` runs the ``vecedit`` command (see :mod:`vecedit.cli`)."""

import sys

from vecedit.cli import main

if __name__ == "__main__":
    sys.exit(main())
