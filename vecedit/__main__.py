"""``python -m vecedit …`` runs the ``vecedit`` command (see :mod:`vecedit.cli`)."""

from vecedit.cli import run

if __name__ == "__main__":
    run()
