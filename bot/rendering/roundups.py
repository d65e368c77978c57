"""Role roundups and the monthly thank-you (issue 17): the channel posts, the personal DM, the
admin's settings modal, and the roundup choices on the Home tab."""

from datetime import time
from typing import Any

from babel.dates import format_skeleton, format_time, get_day_names

from bot import i18n
from bot.ids import Action, RoundupDmInput, RoundupInput, View
from bot.rendering.blocks import (
    Block,
    Message,
    actions,
    button,
    checkboxes,
    context,
    divider,
    input_block,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
)
from bot.services.recognition import Thanks
from bot.services.roundups import (
    MAX_CHANNELS,
    MAX_KEYWORDS,
    Roundup,
    RoundupChoices,
    RoundupSettingsResult,
    RoundupSettingsView,
)


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "roundups/labels", key=key)


# -- the posts ----------------------------------------------------------------------------------


def roundup(locale: str, found: Roundup) -> Message:
    """Roles open for referral, each with "Refer someone" (the referral modal, that role chosen).
    At most 20 roles a post (bot.services.roundups): 22 blocks, each section well under 3000."""
    t = locale
    title = i18n.mrkdwn(t, "roundups/title", roundup=found)
    blocks: list[Block] = [section(title)]
    for role in found.roles:
        blocks.append(
            section(
                i18n.mrkdwn(t, "roundups/role", role=role),
                block_id=f"role:{role.public_id}",
                accessory=button(_label(t, "refer"), Action.ROUNDUP_REFER, value=role.public_id),
            )
        )
    if found.more and found.part == found.parts:
        blocks.append(context(i18n.mrkdwn(t, "roundups/more", count=found.more)))
    if found.part == found.parts:
        blocks.append(context(i18n.mrkdwn(t, "roundups/footer", roundup=found)))
    fallback = i18n.plain(t, "roundups/fallback", roundup=found)
    return message(fallback, blocks)


def recognition(locale: str, thanks: Thanks) -> Message:
    """Counts and referrers' names only: never a candidate."""
    month = format_skeleton("yMMMM", thanks.month, locale=i18n.normalize_locale(locale))
    text = i18n.mrkdwn(locale, "roundups/thanks", thanks=thanks, month=month)
    return message(text, [section(text)])


# -- the admin's settings -----------------------------------------------------------------------


def roundup_settings_button(locale: str) -> Block:
    """The admin modal's way to the roundup settings (pushed as a modal of their own)."""
    return actions(
        button(_label(locale, "settings_button"), Action.ADMIN_ROUNDUPS),
        block_id="roundup_settings",
    )


def roundup_settings_modal(view: RoundupSettingsView) -> dict[str, Any]:
    t = view.locale
    language = i18n.normalize_locale(t)
    days = get_day_names("wide", locale=language)
    weekdays = [option(_label(t, "weekday_none"), "none")] + [
        option(days[d].capitalize(), str(d)) for d in range(7)
    ]
    hours = [option(format_time(time(h), "short", locale=language), str(h)) for h in range(24)]
    channels: Block = {
        "type": "multi_conversations_select",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "max_selected_items": MAX_CHANNELS,
    }
    if view.channels:
        channels["initial_conversations"] = list(view.channels)
    thanks: Block = {
        "type": "conversations_select",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if view.recognition_channel:
        thanks["initial_conversation"] = view.recognition_channel
    weekday = "none" if view.weekday is None else str(view.weekday)
    announce = "yes" if view.announce else None
    blocks = [
        section(i18n.mrkdwn(t, "roundups/settings_intro", tz=view.timezone)),
        input_block(
            RoundupInput.CHANNELS,
            _label(t, "channels"),
            channels,
            optional=True,
            hint=_label(t, "channels_hint"),
        ),
        input_block(
            RoundupInput.WEEKDAY, _label(t, "weekday"), static_select(weekdays, initial=weekday)
        ),
        input_block(
            RoundupInput.TIMEZONE,
            _label(t, "timezone"),
            text_input(initial=view.chosen_timezone, max_length=64),
            optional=True,
            hint=_label(t, "timezone_hint"),
        ),
        input_block(
            RoundupInput.HOUR,
            _label(t, "hour"),
            static_select(hours, initial=str(view.hour)),
            hint=i18n.plain(t, "roundups/hour_hint", tz=view.timezone),
        ),
        input_block(
            RoundupInput.ANNOUNCE,
            _label(t, "announce"),
            checkboxes(
                [option(_label(t, "announce_yes"), "yes")], initial=[announce] if announce else []
            ),
            optional=True,
        ),
        divider(),
        input_block(
            RoundupInput.RECOGNITION_CHANNEL,
            _label(t, "recognition"),
            thanks,
            optional=True,
            hint=_label(t, "recognition_hint"),
        ),
    ]
    return modal(
        View.ROUNDUP_SETTINGS,
        _label(t, "settings_title"),
        blocks,
        submit=_label(t, "save"),
        close=_label(t, "cancel"),
    )


def roundup_settings_saved(result: RoundupSettingsResult) -> dict[str, Any]:
    t, saved = result.locale, result.saved
    language = i18n.normalize_locale(t)
    day = at = ""
    if saved is not None and saved.weekday is not None:
        day = get_day_names("wide", locale=language)[saved.weekday]
        at = format_time(time(saved.hour), "short", locale=language)
    text = i18n.mrkdwn(t, "roundups/settings_saved", saved=saved, day=day, at=at)
    return modal(
        View.ROUNDUP_SETTINGS, _label(t, "settings_title"), [section(text)], close=_label(t, "done")
    )


# -- each person's choices ----------------------------------------------------------------------


def roundup_home_sections(choices: RoundupChoices) -> list[Block]:
    """On the Home tab: the weekly DM (ask for it, or stop it in one click) and whether
    thank-you posts may name this person."""
    t = choices.locale
    dm = (
        button(_label(t, "dm_stop"), Action.HOME_ROUNDUP_STOP)
        if choices.dm
        else button(_label(t, "dm_start"), Action.HOME_ROUNDUP_DM)
    )
    naming = button(
        _label(t, "name_me" if choices.unnamed else "dont_name_me"),
        Action.HOME_THANKS_NAME,
        value="show" if choices.unnamed else "hide",
    )
    return [
        divider(),
        section(i18n.mrkdwn(t, "roundups/home", choices=choices)),
        actions(dm, naming, block_id="roundup_choices"),
    ]


def roundup_dm_modal(choices: RoundupChoices) -> dict[str, Any]:
    t = choices.locale
    blocks: list[Block] = [section(i18n.mrkdwn(t, "roundups/dm_intro"))]
    if choices.teams:  # an empty select is invalid Block Kit
        blocks.append(
            input_block(
                RoundupDmInput.TEAM,
                _label(t, "dm_team"),
                static_select(
                    [option(name, name) for name in choices.teams],
                    initial=choices.dm_team,
                    placeholder=_label(t, "dm_team_placeholder"),
                ),
                optional=True,
            )
        )
    blocks.append(
        input_block(
            RoundupDmInput.KEYWORDS,
            _label(t, "dm_keywords"),
            text_input(initial=choices.dm_keywords, max_length=MAX_KEYWORDS),
            optional=True,
            hint=_label(t, "dm_keywords_hint"),
        )
    )
    return modal(
        View.ROUNDUP_DM,
        _label(t, "dm_title"),
        blocks,
        submit=_label(t, "dm_submit"),
        close=_label(t, "cancel"),
    )
