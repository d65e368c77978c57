"""The App Home tab."""

from typing import Any

from bot import i18n
from bot.ids import Action
from bot.rendering.blocks import (
    VIEW_BLOCKS,
    Block,
    actions,
    button,
    context,
    divider,
    header,
    home_view,
    section,
)
from bot.rendering.desk import desk_sections
from bot.rendering.rewards import home_reward_sections
from bot.rendering.roundups import roundup_home_sections
from bot.services.home import HomeState


def home(state: HomeState) -> dict[str, Any]:
    t = state.locale
    blocks = [
        header(i18n.plain(t, "home/title")),
        section(i18n.mrkdwn(t, "home/intro")),
        actions(button(i18n.plain(t, "home/refer_button"), Action.HOME_REFER, style="primary")),
        divider(),
        section(i18n.mrkdwn(t, "home/my_referrals")),
    ]
    if state.referrals:
        blocks += [
            section(i18n.mrkdwn(t, "home/referral_line", line=line)) for line in state.referrals
        ]
    else:
        blocks.append(context(i18n.mrkdwn(t, "home/empty")))
    blocks += home_reward_sections(t, state.rewards)
    if state.open_roles:
        blocks += [divider(), section(i18n.mrkdwn(t, "home/open_roles", roles=state.open_roles))]
    if state.desk is not None:
        blocks = [*blocks[:3], divider(), *desk_sections(state.desk), *blocks[3:]]
    if state.roundups is not None:
        blocks += roundup_home_sections(state.roundups)
    blocks += [divider(), context(i18n.mrkdwn(t, "home/help"))]
    if state.decisions or state.decisions_more:  # a hiring manager with answers to give
        # What is left of the view's 100 blocks, so the sections below are never cut off.
        room = VIEW_BLOCKS - len(blocks) - 1
        blocks = [*blocks[:3], divider(), *decision_sections(state, room), *blocks[3:]]
    return home_view(blocks)


def decision_sections(state: HomeState, room: int) -> list[Block]:
    """A hiring manager's candidates waiting for their answer: what a decision needs (the
    profile, what each referrer says), then Interested / Pass; in `room` blocks at most."""
    t = state.locale
    label = lambda key: i18n.plain(t, "cards/labels", key=key)  # noqa: E731
    blocks: list[Block] = [header(i18n.plain(t, "home/decisions_title"))]
    shown = state.decisions[: max((room - 2) // 2, 0)]  # header and "and N more" included
    more = state.decisions_more + len(state.decisions) - len(shown)
    for card in shown:
        blocks += [
            section(i18n.mrkdwn(t, "home/decision", card=card)),
            actions(
                button(
                    label("interested"), Action.HM_INTERESTED, value=card.public_id, style="primary"
                ),
                button(label("pass"), Action.HM_PASS, value=card.public_id),
                block_id=f"decide:{card.public_id}",
            ),
        ]
    if more:
        blocks.append(context(i18n.mrkdwn(t, "home/decisions_more", count=more)))
    return blocks
