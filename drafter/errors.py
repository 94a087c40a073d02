"""Errors a user can act on. The CLI prints their message without a traceback."""


class DrafterError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class ConfigError(DrafterError):
    """A setting or configuration file is wrong."""


class CorpusError(DrafterError):
    """A corpus file cannot be read or parsed."""

