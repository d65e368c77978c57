"""Refusals raised by services; one Bolt error handler turns them into a polite reply."""


class ConfigError(Exception):
    """A missing or malformed variable; the message is one line naming it."""


class RefbotError(Exception):
    template = "common/error"


class NotAllowed(RefbotError):
    """The actor's role does not permit this action."""

    template = "common/not_allowed"


class NotFound(RefbotError):
    """The subject no longer exists (deleted, forgotten, or never in this workspace)."""

    template = "common/not_found"
