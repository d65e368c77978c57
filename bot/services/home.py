"""What a person sees on refbot's App Home tab."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.services import changes
from bot.services.cards import CandidateCard, candidate_card
from bot.services.desk import Desk, Desks
from bot.services.members import Members
from bot.services.rewards import RewardLine, Rewards
from bot.services.roles import RoleLine, Roles
from bot.services.roundups import RoundupChoices, Roundups
from storage.repositories import audit, candidates, referrals

MY_REFERRALS_SHOWN = 20
DECISIONS_SHOWN = 10  # each is a card's worth of blocks; the rest are counted
DECISIONS_SCANNED = 500


@dataclass(frozen=True)
class ReferralLine:
    candidate_name: str
    role_title: str | None
    status: str


@dataclass(frozen=True)
class HomeState:
    user_id: str
    locale: str
    is_recruiter: bool
    referrals: tuple[ReferralLine, ...]
    open_roles: tuple[RoleLine, ...]
    desk: Desk | None = None  # recruiters only
    # Hiring managers: candidates for their roles still waiting for their answer.
    decisions: tuple[CandidateCard, ...] = ()
    decisions_more: int = 0
    roundups: RoundupChoices | None = None  # the weekly DM and thank-you naming choices
    rewards: tuple[RewardLine, ...] = ()  # the person's own referral rewards


class Home:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        members: Members,
        desks: Desks,
        roles: Roles,
        roundups: Roundups | None = None,
        rewards: Rewards | None = None,
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.desks = desks
        self.roles = roles
        self.roundups = roundups
        self.rewards = rewards

    def state(self, *, team_id: str, user_id: str) -> HomeState:
        """The Home tab of one person: their referrals and the roles open for referral."""
        profile = self.members.profile(team_id=team_id, user_id=user_id)
        desk = (
            self.desks.desk(team_id=team_id, recruiter_id=user_id) if profile.is_recruiter else None
        )
        choices = self.roundups.choices(team_id=team_id, user_id=user_id) if self.roundups else None
        with self.sessions() as s:
            mine = referrals.by_referrer(s, team_id, user_id, limit=MY_REFERRALS_SHOWN)
            waiting = self._waiting_for(s, team_id, user_id)
            return HomeState(
                user_id=user_id,
                locale=profile.locale,
                is_recruiter=profile.is_recruiter,
                referrals=tuple(
                    ReferralLine(
                        candidate_name=r.candidate.name,
                        role_title=r.role.title if r.role else None,
                        status=r.candidate.status.value,
                    )
                    for r in mine
                ),
                open_roles=self.roles.referable(team_id=team_id),
                desk=desk,
                decisions=tuple(
                    card
                    for c in waiting[:DECISIONS_SHOWN]
                    if (card := candidate_card(s, team_id, c, viewer=user_id)) is not None
                ),
                decisions_more=max(len(waiting) - DECISIONS_SHOWN, 0),
                roundups=choices,
                rewards=self.rewards.mine(s, team_id=team_id, user_id=user_id)
                if self.rewards
                else (),
            )

    @staticmethod
    def _waiting_for(s: Session, team_id: str, manager_id: str) -> list[str]:
        """Candidates in process for this person's roles that they have not answered about."""
        found = candidates.for_manager(s, team_id, manager_id, limit=DECISIONS_SCANNED)
        subjects = [f"candidate:{c.public_id}" for c, _ in found]
        done = audit.subjects_done(
            s, team_id=team_id, actor_id=manager_id, action=changes.HM_ANSWER, subjects=subjects
        )
        return [c.public_id for c, _ in found if f"candidate:{c.public_id}" not in done]
