"""The App Home tab."""

from typing import Any

from bot import i18n
from bot.ids import Action
from bot.rendering.blocks import actions, button, context, divider, header, home_view, section
from bot.rendering.desk import desk_sections
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
    if state.open_roles:
        blocks += [divider(), section(i18n.mrkdwn(t, "home/open_roles", roles=state.open_roles))]
    if state.desk is not None:
        blocks = [*blocks[:3], divider(), *desk_sections(state.desk), *blocks[3:]]
    blocks += [divider(), context(i18n.mrkdwn(t, "home/help"))]
    return home_view(blocks)
