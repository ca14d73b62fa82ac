"""The one error family a user can cause.

Every failure that comes from input (a bad file, a bad option, a missing font or
missing weights) raises a subclass of :class:`VeceditError` whose message says what
went wrong and what to do. The command line prints that one line and exits with
code 2. Internal bugs raise ordinary Python exceptions.
"""


class VeceditError(Exception):
    """Root of every user-facing error."""


class InputError(VeceditError):
    """An input file or value cannot be used (missing, unreadable, malformed, too big)."""


class SVGError(InputError):
    """An SVG document cannot be parsed or is not safe to parse."""


class OptionError(VeceditError):
    """A command-line option or API argument has a bad value."""
