"""The referrer's introduction request (and its nudge), and the answers."""

from bot import i18n
from bot.ids import Action
from bot.rendering.blocks import Message, actions, button, message, section
from bot.services.intros import IntroAsked, IntroView


def intro_request(locale: str, intro: IntroView) -> Message:
    label = lambda key: i18n.plain(locale, "intro/labels", key=key)  # noqa: E731
    text = i18n.mrkdwn(locale, "intro/request", intro=intro)
    return message(
        label("title"),
        [
            section(text),
            actions(
                button(
                    label("accept"), Action.INTRO_ACCEPT, value=intro.public_id, style="primary"
                ),
                button(label("decline"), Action.INTRO_DECLINE, value=intro.public_id),
                block_id=f"intro:{intro.public_id}",
            ),
        ],
    )


def intro_answered(locale: str, intro: IntroView) -> Message:
    """The referrer's DM after answering: the draft stays, the buttons go."""
    text = i18n.mrkdwn(locale, "intro/request", intro=intro)
    key = "accepted" if intro.status == "accepted" else "declined"
    done = i18n.plain(locale, "intro/labels", key=key)
    return message(done, [section(text), section(i18n.escape_mrkdwn(done))], replace_original=True)


def intro_asked(asked: IntroAsked) -> Message:
    text = i18n.mrkdwn(
        asked.locale, "intro/asked", referrer=asked.referrer_id, already=asked.already
    )
    return message(text, [section(text)], response_type="ephemeral", replace_original=False)
