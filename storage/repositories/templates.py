"""Outreach templates a workspace's admins wrote (they override the shipped ones)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Template


def find(s: Session, team_id: str, name: str, variant: str, locale: str) -> Template | None:
    return s.scalar(
        select(Template).where(
            Template.team_id == team_id,
            Template.name == name,
            Template.variant == variant,
            Template.locale == locale,
            Template.active.is_(True),
        )
    )


def save(s: Session, template: Template) -> Template:
    s.add(template)
    s.flush()
    return template
