"""Workspace settings, who is recruiter and admin, and the outreach wording, for admins
(`/refbot admin`)."""

import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot import outreach_templates, transfer
from bot.clock import Clock
from bot.config import SUPPORTED_LOCALES
from bot.reward_rules import RuleForm, parse_rule, rule_form
from bot.services.members import Members
from bot.user_input import whole_number
from storage.db import Sessions
from storage.models import Template
from storage.repositories import audit, settings, templates
from storage.repositories import members as members_repo

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
FOLLOWUP = "followup"  # the draft in follow-up reminders (bot.services.outreach.due)
# Every wording an admin may rewrite: the reach-out drafts, then the follow-up's.
WORDINGS = (*outreach_templates.DEFAULTS, FOLLOWUP)


def wording_row(key: str) -> tuple[str, str]:
    """A wording's (name, variant) in the templates table: "referred_A" is ("referred", "A"),
    the follow-up, which has no variants, ("followup", "")."""
    name, _, variant = key.partition("_")
    return name, variant


@dataclass(frozen=True)
class Wording:
    """One wording in one language, as drafts use it now."""

    key: str
    locale: str
    text: str
    custom: bool  # the workspace's own, else refbot's


@dataclass(frozen=True)
class AdminView:
    locale: str
    values: dict[str, int]
    templates: tuple[str, ...]
    recruiters: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    wording: Wording | None = None
    locales: tuple[str, ...] = SUPPORTED_LOCALES
    # The workspace's default referral reward (blank: none).
    reward: RuleForm = field(default_factory=RuleForm)


@dataclass(frozen=True)
class RoleGrant:
    """One person's role given or taken away."""

    user_id: str
    role: str  # "recruiter" or "admin"
    granted: bool


@dataclass(frozen=True)
class WordingSaved:
    key: str
    locale: str
    outcome: str  # "saved", or "reverted" to refbot's own wording


@dataclass(frozen=True)
class AdminResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    grants: tuple[RoleGrant, ...] = ()
    wording: WordingSaved | None = None


class Admin:
    def __init__(self, *, sessions: Sessions, members: Members, clock: Clock) -> None:
        self.sessions = sessions
        self.members = members
        self.clock = clock

    def view(
        self,
        *,
        team_id: str,
        actor_id: str,
        wording: str | None = None,
        wording_locale: str | None = None,
    ) -> AdminView:
        """The current settings, people and one wording (admins only): by default the first
        draft in the admin's language."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        key = wording if wording in WORDINGS else WORDINGS[0]
        language = wording_locale if wording_locale in SUPPORTED_LOCALES else locale
        assert key is not None and language is not None
        with self.sessions() as s:
            current = settings.get(s, team_id)
            values = {name: int(getattr(current, name)) for name in BOUNDS}
            recruiters, admins = self.members.people(s, team_id=team_id)
            text = _wording(s, team_id, key, language)
            reward = rule_form(current.reward_amount, current.reward_currency, current.reward_days)
        return AdminView(
            reward=reward,
            locale=locale,
            values=values,
            templates=WORDINGS,
            recruiters=tuple(recruiters),
            admins=tuple(admins),
            wording=text,
        )

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
        template_locale: str | None = None,
        recruiters: list[str] | None = None,
        admins: list[str] | None = None,
        reward: tuple[str | None, str | None, str | None] | None = None,
    ) -> AdminResult:
        """Validate and save every field, or save nothing and say what to fix. `template` and
        `template_locale` name the wording the body box was filled with; an unchanged body
        saves nothing, an emptied one (or refbot's own text) goes back to refbot's wording.
        `recruiters` and `admins` None: not in the form, unchanged; `reward` likewise (the
        default referral reward as typed: amount, currency, days)."""
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
        if admins is not None and not admins:
            errors["admins"] = "last_admin"  # nobody could open these settings again
        if recruiters is not None and not recruiters:
            errors["recruiters"] = "no_recruiter"  # general referrals would reach nobody
        language = template_locale or locale
        body = (template_body or "").strip()
        if template is not None or body:
            if template not in WORDINGS:
                errors["template"] = "invalid_choice"
            elif language not in SUPPORTED_LOCALES:
                errors["template_locale"] = "invalid_choice"
            elif body and (problem := outreach_templates.check(body)) is not None:
                errors["template_body"] = problem  # a code: Jinja2's own message is internals
        rule, reward_errors = parse_rule(*reward) if reward is not None else (None, {})
        errors |= reward_errors
        if errors:
            return AdminResult(locale=locale, errors=errors)
        now = self.clock()
        rule_values = (
            {
                "reward_amount": rule.amount if rule else None,
                "reward_currency": rule.currency if rule else None,
                "reward_days": rule.days if rule else None,
            }
            if reward is not None
            else {}
        )
        with self.sessions.begin() as s:
            settings.save(s, team_id, **clean, **rule_values, updated_at=now)
            wording = None
            if template is not None:
                wording = self._save_wording(s, team_id, actor_id, template, language, body)
            grants = self._save_people(s, team_id, actor_id, recruiters, admins)
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="settings.save",
                subject=f"team:{team_id}",
                at=now,
                **clean,
            )
        return AdminResult(locale=locale, grants=grants, wording=wording)

    def _save_wording(
        self, s: Session, team_id: str, actor_id: str, key: str, language: str, body: str
    ) -> WordingSaved | None:
        current = _wording(s, team_id, key, language)
        default = outreach_templates.default_source(language, key).strip()
        if body == current.text.strip():
            return None  # the prefilled text, untouched
        name, variant = wording_row(key)
        found = templates.find(s, team_id, name, variant, language)
        if not body or body == default:
            if found is None:
                return None
            s.delete(found)
            outcome = "reverted"
        elif found is None:
            templates.save(
                s,
                Template(
                    team_id=team_id,
                    name=name,
                    variant=variant,
                    locale=language,
                    body=body,
                    created_at=self.clock(),
                ),
            )
            outcome = "saved"
        else:
            found.body = body
            outcome = "saved"
        audit.record(
            s,
            team_id=team_id,
            actor_id=actor_id,
            action=f"wording.{outcome}",
            subject=f"wording:{key}:{language}",
            at=self.clock(),
        )
        return WordingSaved(key=key, locale=language, outcome=outcome)

    def _save_people(
        self,
        s: Session,
        team_id: str,
        actor_id: str,
        recruiters: list[str] | None,
        admins: list[str] | None,
    ) -> tuple[RoleGrant, ...]:
        """Give and take the recruiter and admin roles; one audit line per change."""
        old_recruiters, old_admins = map(set, self.members.people(s, team_id=team_id))
        new_recruiters = old_recruiters if recruiters is None else set(recruiters)
        new_admins = old_admins if admins is None else set(admins)
        grants: list[RoleGrant] = []
        for user in sorted(old_recruiters | new_recruiters | old_admins | new_admins):
            recruiter, admin = user in new_recruiters, user in new_admins
            changes = [
                RoleGrant(user, role, granted=now)
                for role, before, now in (
                    ("recruiter", user in old_recruiters, recruiter),
                    ("admin", user in old_admins, admin),
                )
                if before != now
            ]
            if not changes:
                continue
            members_repo.set_roles(s, team_id, user, recruiter=recruiter, admin=admin)
            for change in changes:
                audit.record(
                    s,
                    team_id=team_id,
                    actor_id=actor_id,
                    action=f"member.{change.role}.{'grant' if change.granted else 'revoke'}",
                    subject=f"user:{user}",
                    at=self.clock(),
                )
            grants += changes
        return tuple(grants)


def _wording(s: Session, team_id: str, key: str, language: str) -> Wording:
    name, variant = wording_row(key)
    found = templates.find(s, team_id, name, variant, language)
    if found is not None:
        return Wording(key=key, locale=language, text=found.body, custom=True)
    text = outreach_templates.default_source(language, key).strip()
    return Wording(key=key, locale=language, text=text, custom=False)
