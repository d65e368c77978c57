"""The baseline: a bare Bolt app with Bolt's defaults that only acks `/refbot` and the
`referral_submit` modal's submissions.

Served by the same gunicorn settings as `refbot serve`:
    gunicorn -k gthread -w 2 --threads 8 benchmarks.bare_bolt:app
"""

import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

bolt = App(
    client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)


@bolt.command("/refbot")
def refbot(ack: Ack) -> None:
    ack()


@bolt.view("referral_submit")
def referral(ack: Ack) -> None:
    ack()


app = SlackRequestHandler(bolt)
