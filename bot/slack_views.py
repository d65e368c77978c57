"""Shows a referral modal's outcome after its ack (bot.services.submissions) on Slack."""

from typing import Any

from bot import rendering
from bot.messenger import SendError
from bot.services.submissions import Outcome
from bot.slack import SlackMessenger


class SlackModals:
    def __init__(self, messenger: SlackMessenger) -> None:
        self.messenger = messenger  # its clients and its classification of Slack's errors

    def show(self, team_id: str, view_id: str, submitted: dict[str, Any], outcome: Outcome) -> bool:
        view = rendering.submission_outcome(submitted, outcome)
        try:
            self.messenger.call("views.update", team_id, view_id=view_id, view=view)
        except SendError as error:
            if error.reason == "not_found":  # closed (or expired): what was saved stays saved
                return False
            raise
        return True
