"""Per-workspace settings (admin-editable defaults, DESIGN.md section 6)."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import Settings


def get(s: Session, team_id: str) -> Settings:
    """The workspace's settings; the defaults (not saved) when an admin never changed them."""
    found = s.scalar(_GET, {"team_id": team_id})
    return found or Settings(
        team_id=team_id,
        followup_first_days=3,
        followup_second_days=7,
        snooze_default_months=6,
        sla_business_days=2,
        credit_window_months=12,
        retention_months=24,
    )


# Built once: every referral reads its workspace's settings (building a select costs more than
# running this one, benchmarks/ack_profile.py).
_GET = select(Settings).where(Settings.team_id == bindparam("team_id"))


def save(s: Session, team_id: str, **values: object) -> Settings:
    """Create or update the workspace's settings row."""
    found = s.scalar(select(Settings).where(Settings.team_id == team_id))
    if found is None:
        found = get(s, team_id)
        s.add(found)
    for name, value in values.items():
        setattr(found, name, value)
    s.flush()
    return found
