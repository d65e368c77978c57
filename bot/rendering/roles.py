"""The role modal, `/refbot roles` (a list for everyone, Edit / Close / Open it for
recruiters), and the pool DM when a role opens."""

import json
from typing import Any

from bot import i18n
from bot.ids import Action, RoleInput, View
from bot.rendering.blocks import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    clip,
    context,
    header,
    input_block,
    message,
    modal,
    option,
    plain_text,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.rendering.rewards import reward_inputs
from bot.rendering.steps import step_button
from bot.services.roles import RoleBoard, RoleForm, RoleLine, RolePool

CONFIRM_TEXT = 300  # Block Kit's limit on a confirmation dialog's text


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "roles/labels", key=key)


def role_modal(form: RoleForm, *, reply_to: str = "") -> dict[str, Any]:
    """A new role, or the role being edited with its current values. `reply_to` is the
    response_url of the `/refbot roles` message the Edit came from, updated once saved."""
    t, role = form.locale, form.role
    label = lambda key: _label(t, key)  # noqa: E731
    statuses = [option(label(s), s) for s in ("open", "upcoming", "closed")]
    metadata = json.dumps({"role": role.public_id, "reply_to": reply_to}) if role else ""
    return modal(
        View.ROLE,
        label("edit_title" if role else "title"),
        [
            input_block(
                RoleInput.TITLE,
                label("role_title"),
                text_input(initial=role.title if role else None, max_length=200),
            ),
            input_block(
                RoleInput.TEAM,
                label("team"),
                text_input(initial=role.team_name if role else None, max_length=100),
                optional=True,
            ),
            input_block(
                RoleInput.HIRING_MANAGER,
                label("hiring_manager"),
                users_select(initial=role.hiring_manager_id if role else None),
                optional=True,
            ),
            input_block(
                RoleInput.RECRUITER,
                label("recruiter"),
                users_select(initial=role.recruiter_id if role else form.recruiter_id),
            ),
            input_block(
                RoleInput.STATUS,
                label("status"),
                static_select(statuses, initial=role.status if role else "open"),
                hint=label("status_hint"),
            ),
            input_block(
                RoleInput.IDEAL_PROFILE,
                label("ideal_profile"),
                text_input(
                    initial=role.ideal_profile if role else None, multiline=True, max_length=3000
                ),
                optional=True,
            ),
            *(reward_inputs(t, form.reward) if form.reward is not None else []),
        ],
        submit=label("submit"),
        close=label("close"),
        private_metadata=metadata,
    )


def role_target(view: dict[str, Any]) -> tuple[str | None, str]:
    """The role a submitted modal edits (None: a new role) and where to say it was saved."""
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None, ""
    if not isinstance(found, dict):
        return None, ""
    role, reply_to = found.get("role"), found.get("reply_to")
    return (role if isinstance(role, str) and role else None), str(reply_to or "")


def role_created(locale: str, role: RoleLine, *, edited: bool = False) -> dict[str, Any]:
    text = i18n.mrkdwn(locale, "roles/created", role=role, edited=edited)
    title = _label(locale, "edit_title" if edited else "title")
    return modal(View.ROLE, title, [section(text)], close=_label(locale, "done"))


def roles_list(board: RoleBoard) -> Message:
    """`/refbot roles`: the list people refer from; for recruiters, each role with its buttons
    (and, after a click, what was done at the top)."""
    t = board.locale
    if not board.manage:
        text = i18n.mrkdwn(t, "roles/list", roles=board.roles)
        return message(text, [section(text)], response_type="ephemeral")
    blocks: list[Block] = []
    if board.change is not None:
        done = i18n.mrkdwn(t, "roles/change", change=board.change, reader=board.reader, tz=board.tz)
        blocks.append(section(done))
    intro = i18n.mrkdwn(t, "roles/manage", roles=board.roles, closed=board.closed)
    blocks.append(section(intro))
    # Two blocks a role; one kept for the "and N more" line.
    room = (MESSAGE_BLOCKS - len(blocks) - 2) // 2
    shown = board.roles[:room]
    for role in shown:
        blocks += _managed(t, board, role)
    closed = board.closed[: max(room - len(shown), 0)]
    if closed:
        blocks.append(header(_label(t, "closed_header")))
        for role in closed:
            blocks += _managed(t, board, role)
    if len(shown) < len(board.roles):
        more = i18n.mrkdwn(t, "roles/more", count=len(board.roles) - len(shown))
        blocks.append(context(more))
    if board.change is None:
        return message(intro, blocks, response_type="ephemeral")
    # After a click: the list the person clicked in becomes the list as it now is.
    return message(done, blocks, response_type="ephemeral", replace_original=True)


def _managed(t: str, board: RoleBoard, role: RoleLine) -> list[Block]:
    line = i18n.mrkdwn(t, "roles/manage_line", role=role, tz=board.tz)
    buttons: list[Block] = []
    if role.status == "upcoming":
        buttons.append(button(_label(t, "open_it"), Action.ROLE_OPEN, value=role.public_id))
    buttons.append(button(_label(t, "edit"), Action.ROLE_EDIT, value=role.public_id))
    if role.status != "closed":
        close = button(_label(t, "close_role"), Action.ROLE_CLOSE, value=role.public_id)
        buttons.append({**close, "style": "danger", "confirm": _confirm_close(t, role)})
    return [section(line), actions(*buttons, block_id=f"role:{role.public_id}")]


def _confirm_close(t: str, role: RoleLine) -> dict[str, Any]:
    """Slack asks before the click counts (a confirmation dialog on the button)."""
    return {
        "title": plain_text(_label(t, "confirm_title"), 100),
        "text": {
            "type": "mrkdwn",
            "text": clip(i18n.mrkdwn(t, "roles/confirm_close", role=role), CONFIRM_TEXT),
        },
        "confirm": plain_text(_label(t, "confirm_yes"), 30),
        "deny": plain_text(_label(t, "confirm_no"), 30),
        "style": "danger",
    }


def role_pool(locale: str, pool: RolePool) -> Message:
    """The DM when an upcoming role opens: its pool and the resting people who match."""
    intro = i18n.mrkdwn(locale, "roles/pool", pool=pool)
    room = MESSAGE_BLOCKS - 3
    blocks = [header(_label(locale, "pool_title")), section(intro)]
    blocks += [
        section(
            i18n.mrkdwn(locale, "roles/pool_item", item=item),
            # Their next step, as on their card: a lead asks for an intro, a resting one returns.
            accessory=step_button(locale, item.step, item.candidate) if item.step else None,
        )
        for item in pool.items[:room]
    ]
    if len(pool.items) > room:
        blocks.append(context(i18n.mrkdwn(locale, "roles/pool_more", count=len(pool.items) - room)))
    return message(intro, blocks)
