"""The ATS adapters: plain HTTP clients of Greenhouse Harvest v3 and Lever, and their emulators.

Each adapter speaks one vendor's documented API on httpx and answers in the small vocabulary of
`bot.ats.models`; every failure is an `AtsError` (bot.ats.errors) classified like a Slack send,
so the delivery engine can retry, wait or give up without knowing which ATS it talked to. No
Slack, no database, no settings here: the caller passes credentials and a clock.
"""

from bot.ats.errors import AtsError, classify_exception, classify_response
from bot.ats.models import (
    AtsApplication,
    AtsCandidate,
    AtsJob,
    AtsPushResult,
    AtsReferral,
    AtsStageChange,
    AtsUser,
)

__all__ = [
    "AtsApplication",
    "AtsCandidate",
    "AtsError",
    "AtsJob",
    "AtsPushResult",
    "AtsReferral",
    "AtsStageChange",
    "AtsUser",
    "classify_exception",
    "classify_response",
]
