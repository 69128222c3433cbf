"""The base of every error evidence-kb reports to a user (the CLI prints these without a traceback)."""


class KBError(Exception):
    """An error caused by input or environment, with a message that says what and where."""
