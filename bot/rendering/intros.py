"""The referrer's introduction request (and its nudge), and the answers."""

from bot import i18n
from bot.ids import Action
from bot.rendering.blocks import Message, actions, button, context, message, section
from bot.services.intros import IntroAsked, IntroView


def intro_request(locale: str, intro: IntroView) -> Message:
    """The request with Accept / Decline; once answered (every copy, when the outbox edits
    them), the draft and what the referrer answered, by whom and when, without buttons."""
    label = lambda key: i18n.plain(locale, "intro/labels", key=key)  # noqa: E731
    if intro.status != "requested":
        return _answered(locale, intro)
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


def intro_answered(locale: str, intro: IntroView) -> list[Message]:
    """What goes back through the click's response_url: the clicked DM shows the answer, by
    whom and when, instead of its buttons; a second answer first says it changed nothing."""
    replies = [{**_answered(locale, intro), "replace_original": True}]
    if intro.outdated:
        text = i18n.mrkdwn(locale, "intro/outdated", intro=intro)
        replies.insert(
            0, message(text, [section(text)], response_type="ephemeral", replace_original=False)
        )
    return replies


def _answered(locale: str, intro: IntroView) -> Message:
    text = i18n.mrkdwn(locale, "intro/request", intro=intro)
    done = i18n.mrkdwn(locale, "intro/answered", intro=intro)
    title = i18n.plain(locale, "intro/labels", key="title")
    return message(i18n.titled(locale, title, intro.candidate_name), [section(text), context(done)])


def intro_asked(asked: IntroAsked) -> Message:
    text = i18n.mrkdwn(asked.locale, "intro/asked", asked=asked, referrer=asked.referrer_id)
    return message(text, [section(text)], response_type="ephemeral", replace_original=False)
