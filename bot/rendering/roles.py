"""The role modal and the list of roles open for referral."""

from typing import Any

from bot import i18n
from bot.ids import RoleInput, View
from bot.rendering.blocks import (
    Message,
    input_block,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.services.roles import RoleLine


def role_modal(locale: str, recruiter_id: str) -> dict[str, Any]:
    label = lambda key: i18n.plain(locale, "roles/labels", key=key)  # noqa: E731
    statuses = [option(label(s), s) for s in ("open", "upcoming", "closed")]
    return modal(
        View.ROLE,
        label("title"),
        [
            input_block(RoleInput.TITLE, label("role_title"), text_input(max_length=200)),
            input_block(RoleInput.TEAM, label("team"), text_input(max_length=100), optional=True),
            input_block(
                RoleInput.HIRING_MANAGER, label("hiring_manager"), users_select(), optional=True
            ),
            input_block(
                RoleInput.RECRUITER, label("recruiter"), users_select(initial=recruiter_id)
            ),
            input_block(
                RoleInput.STATUS,
                label("status"),
                static_select(statuses, initial="open"),
                hint=label("status_hint"),
            ),
            input_block(
                RoleInput.IDEAL_PROFILE,
                label("ideal_profile"),
                text_input(multiline=True, max_length=3000),
                optional=True,
            ),
        ],
        submit=label("submit"),
        close=label("close"),
    )


def role_created(locale: str, role: RoleLine) -> dict[str, Any]:
    label = lambda key: i18n.plain(locale, "roles/labels", key=key)  # noqa: E731
    text = i18n.mrkdwn(locale, "roles/created", role=role)
    return modal(View.ROLE, label("title"), [section(text)], close=label("done"))


def roles_list(locale: str, roles: tuple[RoleLine, ...]) -> Message:
    text = i18n.mrkdwn(locale, "roles/list", roles=roles)
    return message(text, [section(text)], response_type="ephemeral")
