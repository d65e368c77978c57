"""The role modal and the list of roles open for referral."""

from typing import Any

from bot import i18n
from bot.ids import Action, RoleInput, View
from bot.rendering.blocks import (
    MESSAGE_BLOCKS,
    Message,
    button,
    context,
    header,
    input_block,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.services.roles import RoleLine, RolePool


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


def roles_list(locale: str, roles: tuple[RoleLine, ...], *, recruiter: bool = False) -> Message:
    """Open and upcoming roles; recruiters get an Open button on each upcoming one."""
    text = i18n.mrkdwn(locale, "roles/list", roles=roles)
    blocks = [section(text)]
    if recruiter:
        label = i18n.plain(locale, "roles/labels", key="open_it")
        blocks += [
            section(
                i18n.mrkdwn(locale, "roles/upcoming_line", role=r),
                accessory=button(label, Action.ROLE_OPEN, value=r.public_id),
            )
            for r in roles
            if r.status == "upcoming"
        ][: MESSAGE_BLOCKS - 1]
    return message(text, blocks, response_type="ephemeral")


def role_pool(locale: str, pool: RolePool) -> Message:
    """The DM when an upcoming role opens: its pool and the resting people who match."""
    label = i18n.plain(locale, "roles/labels", key="reach_out")
    intro = i18n.mrkdwn(locale, "roles/pool", pool=pool)
    room = MESSAGE_BLOCKS - 3
    blocks = [header(i18n.plain(locale, "roles/labels", key="pool_title")), section(intro)]
    blocks += [
        section(
            i18n.mrkdwn(locale, "roles/pool_item", item=item),
            accessory=button(label, Action.CANDIDATE_REACH_OUT, value=item.candidate),
        )
        for item in pool.items[:room]
    ]
    if len(pool.items) > room:
        blocks.append(context(i18n.mrkdwn(locale, "roles/pool_more", count=len(pool.items) - room)))
    return message(intro, blocks)
