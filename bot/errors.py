"""Refusals raised by services; one Bolt error handler turns them into a polite reply."""


class ConfigError(Exception):
    """A missing or malformed variable; the message is one line naming it."""


class RefbotError(Exception):
    template = "common/error"

    @property
    def context(self) -> dict[str, str]:
        """What the template needs besides the person's language."""
        return {}


class NotAllowed(RefbotError):
    """The actor's role does not permit this action. `who` names who may (a key of
    common/not_allowed: recruiters, admins, session_owner, role_team, hiring_manager, referrer),
    so the refusal says whom to ask."""

    template = "common/not_allowed"

    def __init__(self, who: str = "") -> None:
        super().__init__(who)
        self.who = who

    @property
    def context(self) -> dict[str, str]:
        return {"who": self.who}


class NotFound(RefbotError):
    """The subject no longer exists (deleted, forgotten, or never in this workspace)."""

    template = "common/not_found"
