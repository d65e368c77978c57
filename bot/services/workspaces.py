"""A workspace's life with refbot: installed through OAuth, uninstalled, tokens revoked."""

import logging
from collections.abc import Collection, Sequence
from typing import Protocol

from slack_sdk.oauth.installation_store import InstallationStore

from bot.clock import Clock
from storage.db import Sessions
from storage.repositories import audit, deliveries
from storage.repositories import members as members_repo

log = logging.getLogger("refbot.workspaces")


class TokenCache(Protocol):
    def forget(self, team_id: str) -> None: ...


class Workspaces:
    def __init__(
        self,
        *,
        sessions: Sessions,
        clock: Clock,
        installations: InstallationStore | None,
        token_caches: Sequence[TokenCache],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.installations = installations  # None in single-workspace mode
        self.token_caches = token_caches

    def installed(self, *, team_id: str, user_id: str) -> None:
        """Whoever installs refbot runs it there first: admin and recruiter."""
        with self.sessions.begin() as s:
            members_repo.grant_admin(s, team_id, user_id)
            audit.record(
                s,
                team_id=team_id,
                actor_id=user_id,
                action="workspace.install",
                subject=f"team:{team_id}",
                at=self.clock(),
            )
        log.info("installed team=%s", team_id)

    def uninstalled(self, *, team_id: str) -> int:
        """Stop every delivery to the workspace and delete its tokens; the data stays until an
        admin exports or erases it (a reinstall picks up where the team left)."""
        if self.installations is not None:
            self.installations.delete_all(enterprise_id=None, team_id=team_id)
        return self._stop_deliveries(team_id, "workspace.uninstall")

    def tokens_revoked(self, *, team_id: str, bot: bool, user_ids: Collection[str]) -> int:
        """User tokens are only forgotten; a revoked bot token ends deliveries like an
        uninstall."""
        if self.installations is not None:
            for user_id in user_ids:
                self.installations.delete_installation(
                    enterprise_id=None, team_id=team_id, user_id=user_id
                )
            if bot:
                self.installations.delete_bot(enterprise_id=None, team_id=team_id)
        if not bot:
            return 0
        return self._stop_deliveries(team_id, "workspace.tokens_revoked")

    def _stop_deliveries(self, team_id: str, action: str) -> int:
        for cache in self.token_caches:
            cache.forget(team_id)
        with self.sessions.begin() as s:
            cancelled = deliveries.cancel_team(s, team_id)
            audit.record(
                s,
                team_id=team_id,
                actor_id=None,
                action=action,
                subject=f"team:{team_id}",
                at=self.clock(),
                cancelled=cancelled,
            )
        log.info("%s team=%s cancelled=%d", action, team_id, cancelled)
        return cancelled
