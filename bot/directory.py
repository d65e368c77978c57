"""The people directory port: what services may learn about a Slack user, as plain values."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class UserProfile:
    user_id: str
    name: str
    locale: str | None
    tz: str | None
    deleted: bool = False
    email: str | None = None  # with users:read.email; the ATS credits a referrer by it


class Directory(Protocol):
    def user_profile(self, team_id: str, user_id: str) -> UserProfile | None:
        """The user's profile, or None when Slack does not know them; raises when Slack could
        not say (an error, no token), so the profile stored earlier is kept."""
        ...
