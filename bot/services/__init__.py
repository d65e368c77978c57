"""Domain services: plain values in, frozen dataclasses out; they never see Slack payloads."""

from dataclasses import dataclass
from typing import Any, Self

from bot.outbox import Outbox
from bot.services.admin import Admin
from bot.services.ats import Ats
from bot.services.ats_pull import AtsPull
from bot.services.ats_stages import AtsStages
from bot.services.candidates import Candidates
from bot.services.cards import Cards
from bot.services.cvs import Cvs
from bot.services.desk import Desks
from bot.services.digests import Digests
from bot.services.home import Home
from bot.services.intros import Intros
from bot.services.members import Members
from bot.services.outreach import Outreaches
from bot.services.privacy import Privacy
from bot.services.recognition import Recognition
from bot.services.referrals import Referrals
from bot.services.requests import Requests
from bot.services.retention import Retention
from bot.services.rewards import Rewards
from bot.services.roles import Roles
from bot.services.roundups import Roundups
from bot.services.search import Search
from bot.services.snoozes import Snoozes
from bot.services.sourcing import Sourcing
from bot.services.stats import Stats
from bot.services.submissions import Submissions
from bot.services.workspaces import Workspaces


@dataclass(frozen=True)
class Services:
    members: Members
    home: Home
    outbox: Outbox
    retention: Retention
    requests: Requests
    digests: Digests
    roles: Roles
    referrals: Referrals
    cards: Cards
    candidates: Candidates
    intros: Intros
    snoozes: Snoozes
    outreach: Outreaches
    desks: Desks
    admin: Admin
    sourcing: Sourcing
    submissions: Submissions  # referral modals, saved after their ack
    privacy: Privacy
    stats: Stats
    search: Search
    workspaces: Workspaces
    ats: Ats
    roundups: Roundups  # issue 17: roles posted for referral
    recognition: Recognition  # issue 17: the monthly thank-you
    ats_stages: AtsStages
    ats_pull: AtsPull | None = None  # webhooks and polling (bot.services.ats_pull)
    rewards: Rewards | None = None  # referral rewards (bot.services.rewards)
    cvs: Cvs | None = None  # CVs attached to referrals: the file deliveries, a CV's bytes

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Bolt deep-copies the request context for lazy listeners; the services (and the engine
        # and connection pool behind them) are shared, thread-safe singletons.
        return self
