"""After a decision modal's ack: what the person sees change where they opened it. The list
item (digest, session summary, role pool, search results) shows what was done, by whom and
when instead of its buttons, as after a click; App Home is published again.

The modal's metadata comes back from the client, so nothing in it is taken on trust: the
decision is read again with the actor's role re-checked, a message is edited only if refbot
sent it to this same person, and a response_url is used only if it is Slack's."""

from collections.abc import Callable
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import rendering
from bot.payloads import Actor
from bot.services import Services

# Where Slack's response_urls point (https://api.slack.com/interactivity/handling#message_responses);
# the configured Web API's own host too, for the emulator that tests and `refbot demo` run.
SLACK_HOOKS = "hooks.slack.com"


def shown_after(action: str) -> Callable[..., None]:
    """The lazy listener of a decision modal (`action`: "snooze", "not_a_fit", "reach_out",
    "hm_pass"): the list item first, then App Home, each when the modal came from there."""

    def decision_shown(actor: Actor, view: dict, client: WebClient, svc: Services) -> None:
        origin = rendering.opener(str(view.get("private_metadata") or ""))
        if origin.item is not None:
            item_answered(actor, origin, action, client, svc)
        if origin.home:
            state = svc.home.state(team_id=actor.team_id, user_id=actor.user_id)
            client.views_publish(user_id=actor.user_id, view=rendering.home(state))

    return decision_shown


def item_answered(
    actor: Actor, origin: rendering.Opener, action: str, client: WebClient, svc: Services
) -> None:
    item = origin.item
    assert item is not None
    if not item.channel and not is_slack_hook(item.response_url, client.base_url):
        return
    decision = svc.candidates.answered(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=origin.candidate,
        action=action,
        message=(item.channel, item.ts) if item.channel else None,
    )
    if decision.change is None:
        return
    if not item.channel:  # an ephemeral list: replaced from the copy taken at the click
        replaced = rendering.list_item_answered(decision, item, item.original)
        if replaced is not None:
            WebhookClient(item.response_url, timeout=10).send_dict(replaced)
        return
    # A list refbot posted: read as it is now (other items may have been answered since).
    found = client.conversations_history(
        channel=item.channel, oldest=item.ts, latest=item.ts, inclusive=True, limit=1
    )
    original = next((m for m in found.get("messages") or [] if m.get("ts") == item.ts), None)
    replaced = rendering.list_item_answered(decision, item, original)
    if replaced is not None:
        client.chat_update(
            channel=item.channel, ts=item.ts, text=replaced["text"], blocks=replaced["blocks"]
        )


def is_slack_hook(url: str, api_url: str) -> bool:
    """Whether `url` is one of Slack's response_urls (or the configured Web API's host)."""
    found, api = urlsplit(url), urlsplit(api_url)
    if found.scheme == "https" and found.hostname == SLACK_HOOKS and not found.username:
        return True
    return bool(found.netloc) and (found.scheme, found.netloc) == (api.scheme, api.netloc)
