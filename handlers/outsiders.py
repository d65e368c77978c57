"""People outside the installing workspace (a Slack Connect partner's users) get a polite no.

Each refusal is registered before every other listener of its kind, so nothing of refbot
reaches them: every command and button shows or changes candidate data, and even a referral
would write into this team's pipeline (a partner refers through their own team). Their events
are ignored.
"""

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import rendering
from bot.payloads import Actor

ANY = re.compile(".*")


def from_outside(actor: Actor | None) -> bool:
    return actor is not None and not actor.member


OUTSIDE = [from_outside]


def command_refused(ack: Ack, locale: str) -> None:
    ack(**rendering.outside_message(locale))  # a command's ack body is shown ephemerally


def submission_refused(ack: Ack, view: dict, locale: str) -> None:
    ack(response_action="update", view=rendering.outside_modal(locale, view["callback_id"]))


def acked(ack: Ack) -> None:
    ack()


def click_refused(body: dict, respond: Respond, client: WebClient, locale: str) -> None:
    if body.get("response_url"):
        respond(**rendering.outside_message(locale), replace_original=False)
    else:  # a button in a modal or on a Home tab: no message to answer beside
        view = rendering.outside_modal(locale, "outside_workspace")
        in_modal = (body.get("view") or {}).get("type") == "modal"
        opened = client.views_push if in_modal else client.views_open  # modals stack
        opened(trigger_id=body["trigger_id"], view=view)


def shortcut_refused(shortcut: dict, client: WebClient, locale: str) -> None:
    view = rendering.outside_modal(locale, shortcut["callback_id"])
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


# Each kind's refusal is registered right before the first surface with listeners of that kind
# (handlers.register): Bolt tries every listener before the one a request is for.


def refuse_submissions(app: App) -> None:
    app.view_submission(ANY, matchers=OUTSIDE)(submission_refused)
    app.view_closed(ANY, matchers=OUTSIDE)(acked)


def refuse_commands(app: App) -> None:
    app.command(ANY, matchers=OUTSIDE)(command_refused)


def refuse_shortcuts(app: App) -> None:
    app.shortcut(ANY, matchers=OUTSIDE)(ack=acked, lazy=[shortcut_refused])


def refuse_clicks_and_events(app: App) -> None:
    # Not `replying`: its error path would look the outsider up in this workspace's directory.
    app.action(ANY, matchers=OUTSIDE)(ack=acked, lazy=[click_refused])
    app.event(ANY, matchers=OUTSIDE)(acked)
