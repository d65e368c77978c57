"""Per-workspace settings (admin-editable defaults, DESIGN.md section 6)."""

from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import Settings

# What a workspace whose admin never changed anything has (not saved).
DEFAULTS = {
    "followup_first_days": 3,
    "followup_second_days": 7,
    "snooze_default_months": 6,
    "sla_business_days": 2,
    "credit_window_months": 12,
    "retention_months": 24,
}


def get(s: Session, team_id: str) -> Settings:
    """The workspace's settings; the defaults (not saved) when an admin never changed them."""
    found = s.scalar(_GET, {"team_id": team_id})
    return found or Settings(team_id=team_id, **DEFAULTS)


class ReferralTerms(NamedTuple):
    """What a referral reads of its workspace's settings."""

    credit_window_months: int
    sla_business_days: int
    ats_auto_push: bool


def referral_terms(s: Session, team_id: str) -> ReferralTerms:
    """`get()`'s answer for a referral, one row of three columns with no ORM object: every
    referral reads it (benchmarks/ack_profile.py)."""
    found = s.connection().execute(_TERMS, {"team_id": team_id}).first()
    if found is None:
        return ReferralTerms(DEFAULTS["credit_window_months"], DEFAULTS["sla_business_days"], False)
    return ReferralTerms(*found)


# Built once (building a select costs more than running it, benchmarks/ack_profile.py).
_GET = select(Settings).where(Settings.team_id == bindparam("team_id"))
_TERMS = select(*(getattr(Settings, name) for name in ReferralTerms._fields)).where(
    Settings.team_id == bindparam("team_id")
)


def save(s: Session, team_id: str, **values: object) -> Settings:
    """Create or update the workspace's settings row."""
    found = s.scalar(_GET, {"team_id": team_id})
    if found is None:
        found = Settings(team_id=team_id, **DEFAULTS)
        s.add(found)
    for name, value in values.items():
        setattr(found, name, value)
    s.flush()
    return found
