"""A workspace's life with refbot: installed through OAuth, uninstalled, tokens revoked.

Losing a token loses nothing else: the workspace's data and schedule stay, and what comes due
meanwhile waits (bot.dispatcher) until refbot is installed again. Only an explicit erasure
removes them.
"""

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from slack_sdk.oauth.installation_store import InstallationStore

from bot.clock import Clock
from bot.outbox import Outbox
from storage.db import Sessions
from storage.repositories import audit, deliveries
from storage.repositories import members as members_repo

log = logging.getLogger("refbot.workspaces")

INSTALL = "workspace.install"  # the first one: its installer runs refbot there
REINSTALL = "workspace.reinstall"


class TokenCache(Protocol):
    def forget(self, team_id: str) -> None: ...


@dataclass(frozen=True)
class Installed:
    first: bool  # the workspace's first install: the installer became admin and recruiter
    resumed: int  # deliveries that waited for a working token and go out now


class Workspaces:
    def __init__(
        self,
        *,
        sessions: Sessions,
        clock: Clock,
        outbox: Outbox,
        installations: InstallationStore | None,
        token_caches: Sequence[TokenCache],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.outbox = outbox
        self.installations = installations  # None in single-workspace mode
        self.token_caches = token_caches

    def installed(self, *, team_id: str, user_id: str) -> Installed:
        """A workspace installed refbot. The first installer runs it there (admin and
        recruiter); a reinstall changes the tokens and nothing else, and sends what waited for
        them, telling the admins how much."""
        self._forget_tokens(team_id)  # the new token, not a cached revoked one
        with self.sessions.begin() as s:
            first = not audit.recorded(s, team_id=team_id, action=INSTALL)
            if first:
                members_repo.grant_admin(s, team_id, user_id)
            resumed = self.outbox.resume_waiting(
                s, team_id=team_id, admins=members_repo.admins(s, team_id)
            )
            audit.record(
                s,
                team_id=team_id,
                actor_id=user_id,
                action=INSTALL if first else REINSTALL,
                subject=f"team:{team_id}",
                at=self.clock(),
                resumed=resumed,
            )
        log.info("installed team=%s first=%s resumed=%d", team_id, first, resumed)
        return Installed(first=first, resumed=resumed)

    def uninstalled(self, *, team_id: str) -> int:
        """Delete the workspace's tokens; its data and schedule stay (a reinstall picks up
        where the team left, late messages included). Returns the deliveries kept."""
        if self.installations is not None:
            self.installations.delete_all(enterprise_id=None, team_id=team_id)
        return self._tokens_gone(team_id, "workspace.uninstall")

    def tokens_revoked(self, *, team_id: str, bot: bool, user_ids: Collection[str]) -> int:
        """User tokens are only forgotten; a revoked bot token is like an uninstall: what comes
        due waits for a new one. Returns the deliveries kept."""
        if self.installations is not None:
            for user_id in user_ids:
                self.installations.delete_installation(
                    enterprise_id=None, team_id=team_id, user_id=user_id
                )
            if bot:
                self.installations.delete_bot(enterprise_id=None, team_id=team_id)
        if not bot:
            return 0
        return self._tokens_gone(team_id, "workspace.tokens_revoked")

    def _forget_tokens(self, team_id: str) -> None:
        for cache in self.token_caches:
            cache.forget(team_id)

    def _tokens_gone(self, team_id: str, action: str) -> int:
        self._forget_tokens(team_id)
        with self.sessions.begin() as s:
            kept = deliveries.pending_in_team(s, team_id)
            audit.record(
                s,
                team_id=team_id,
                actor_id=None,
                action=action,
                subject=f"team:{team_id}",
                at=self.clock(),
                kept=kept,
            )
        log.info("%s team=%s deliveries kept=%d", action, team_id, kept)
        return kept
