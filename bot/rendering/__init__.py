"""The only code that builds Block Kit. Functions take results and a locale, return payloads."""

from bot.rendering.admin import admin_modal, admin_saved, export_sent, wording_target
from bot.rendering.ats import (
    ats_checking,
    ats_modal,
    ats_push_requested,
    ats_saved,
    ats_stages_modal,
    ats_stages_saved,
)
from bot.rendering.decisions import (
    ListItem,
    Opener,
    Shown,
    click_replies,
    clicked_item,
    decision_outdated,
    list_item_answered,
    opened_from,
    opener,
    reason_modal,
    settled_prompt,
    shown,
)
from bot.rendering.deliveries import digest, grouped, late, notice
from bot.rendering.desk import desk_list
from bot.rendering.help import help_message, unknown_subcommand
from bot.rendering.home import home
from bot.rendering.intros import intro_answered, intro_asked, intro_request
from bot.rendering.outreach import followup_dm, reach_out_done, reach_out_modal
from bot.rendering.outsiders import outside_message, outside_modal
from bot.rendering.privacy import forget_done, forget_modal, forget_refused
from bot.rendering.referral import (
    field_errors,
    hm_card,
    intro_offer_modal,
    recruiter_card,
    referral_done,
    referral_modal,
    referrer_update,
    sla_nudge,
)
from bot.rendering.roles import role_created, role_modal, role_pool, role_target, roles_list
from bot.rendering.search import search_results
from bot.rendering.snooze import snooze_done, snooze_due_dm, snooze_modal
from bot.rendering.sourcing import (
    contact_added,
    session_card,
    session_end,
    session_ended,
    session_start_modal,
    sourcing_note,
    sourcing_usage,
)
from bot.rendering.stats import stats_message, stats_text

__all__ = [
    "ListItem",
    "Opener",
    "Shown",
    "admin_modal",
    "admin_saved",
    "ats_checking",
    "ats_modal",
    "ats_push_requested",
    "ats_saved",
    "ats_stages_modal",
    "ats_stages_saved",
    "click_replies",
    "clicked_item",
    "contact_added",
    "decision_outdated",
    "desk_list",
    "digest",
    "export_sent",
    "field_errors",
    "followup_dm",
    "forget_done",
    "forget_modal",
    "forget_refused",
    "grouped",
    "help_message",
    "hm_card",
    "home",
    "intro_answered",
    "intro_asked",
    "intro_offer_modal",
    "intro_request",
    "late",
    "list_item_answered",
    "notice",
    "opened_from",
    "opener",
    "outside_message",
    "outside_modal",
    "reach_out_done",
    "reach_out_modal",
    "reason_modal",
    "recruiter_card",
    "referral_done",
    "referral_modal",
    "referrer_update",
    "role_created",
    "role_modal",
    "role_pool",
    "role_target",
    "roles_list",
    "search_results",
    "session_card",
    "session_end",
    "session_ended",
    "session_start_modal",
    "settled_prompt",
    "shown",
    "sla_nudge",
    "snooze_done",
    "snooze_due_dm",
    "snooze_modal",
    "sourcing_note",
    "sourcing_usage",
    "stats_message",
    "stats_text",
    "unknown_subcommand",
    "wording_target",
]
