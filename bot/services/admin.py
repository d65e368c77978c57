"""Workspace settings and outreach templates, for admins (`/refbot admin`)."""

import io
from dataclasses import dataclass, field

from bot import outreach_templates, transfer
from bot.clock import Clock
from bot.services.members import Members
from bot.user_input import whole_number
from storage.db import Sessions
from storage.models import Template
from storage.repositories import audit, settings, templates

# (name, smallest, largest): every setting is a whole number in a sensible range.
BOUNDS = {
    "followup_first_days": (1, 30),
    "followup_second_days": (1, 60),
    "snooze_default_months": (1, 12),
    "sla_business_days": (1, 20),
    "credit_window_months": (1, 36),
    "retention_months": (1, 120),
}
SNOOZE_PRESETS = (1, 3, 6, 12)


@dataclass(frozen=True)
class AdminView:
    locale: str
    values: dict[str, int]
    templates: tuple[str, ...]


@dataclass(frozen=True)
class AdminResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)


class Admin:
    def __init__(self, *, sessions: Sessions, members: Members, clock: Clock) -> None:
        self.sessions = sessions
        self.members = members
        self.clock = clock

    def view(self, *, team_id: str, actor_id: str) -> AdminView:
        """The current settings (admins only)."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            current = settings.get(s, team_id)
            values = {name: int(getattr(current, name)) for name in BOUNDS}
        return AdminView(locale=locale, values=values, templates=outreach_templates.DEFAULTS)

    def export(self, *, team_id: str, actor_id: str) -> tuple[str, str]:
        """Everything refbot holds on the workspace's candidates, as JSON (admins only)."""
        self.members.admin(team_id=team_id, user_id=actor_id)
        out = io.StringIO()
        count = transfer.export_candidates(self.sessions, team_id=team_id, fmt="json", out=out)
        with self.sessions.begin() as s:
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="export",
                subject=f"team:{team_id}",
                at=self.clock(),
                candidates=count,
            )
        return f"refbot-export-{self.clock():%Y-%m-%d}.json", out.getvalue()

    def save(
        self,
        *,
        team_id: str,
        actor_id: str,
        values: dict[str, str | None],
        template: str | None,
        template_body: str | None,
    ) -> AdminResult:
        """Validate and save every field, or save nothing and say what to fix."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        errors: dict[str, str] = {}
        clean: dict[str, int] = {}
        for name, (low, high) in BOUNDS.items():
            number = whole_number(values.get(name))  # ASCII digits: "²" passes isdigit()
            if number is None or not low <= number <= high:
                errors[name] = "out_of_range"
            else:
                clean[name] = number
        if clean.get("snooze_default_months") not in (None, *SNOOZE_PRESETS):
            errors["snooze_default_months"] = "snooze_preset"
        first, second = clean.get("followup_first_days"), clean.get("followup_second_days")
        if first and second and second <= first:
            errors["followup_second_days"] = "second_after_first"
        body = (template_body or "").strip()
        if body:
            if template not in outreach_templates.DEFAULTS:
                errors["template"] = "invalid_choice"
            elif (problem := outreach_templates.check(body)) is not None:
                errors["template_body"] = problem  # a code: Jinja2's own message is internals
        if errors:
            return AdminResult(locale=locale, errors=errors)
        now = self.clock()
        with self.sessions.begin() as s:
            settings.save(s, team_id, **clean, updated_at=now)
            if body and template:
                name, _, variant = template.rpartition("_")
                found = templates.find(s, team_id, name, variant, locale)
                if found is None:
                    templates.save(
                        s,
                        Template(
                            team_id=team_id,
                            name=name,
                            variant=variant,
                            locale=locale,
                            body=body,
                            created_at=now,
                        ),
                    )
                else:
                    found.body = body
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="settings.save",
                subject=f"team:{team_id}",
                at=now,
                **clean,
            )
        return AdminResult(locale=locale)
