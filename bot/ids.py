"""Every Slack identifier refbot owns, defined once (DESIGN.md section 4: these are stable)."""

from enum import StrEnum

# The bot token's scopes (manifest.yml's, asked for again by the OAuth install).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "files:write",
    # files.info on a CV a referrer attached in the referral modal, and the download of its
    # url_private_download with the bot token (bot.slack_files).
    "files:read",
    # conversations.info on the conversation a command came from, whatever its kind.
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "im:write",
    "mpim:write",  # conversations.open with two users: the group DM of an accepted intro
    "im:history",
    # The history check before a send is repeated reads the conversation (bot.slack.delivered):
    # channel cards and thank-yous, private channels, and group DMs (intros).
    "channels:history",
    "groups:history",
    "mpim:history",
    "users:read",
    # The referrer's email in users.info: an ATS credits a referrer found by it (bot.services.ats).
    "users:read.email",
)


class Command(StrEnum):
    REFER = "/refer"
    INTRO = "/intro"
    SOURCING = "/sourcing"
    REFBOT = "/refbot"


class Subcommand(StrEnum):
    HELP = "help"
    FIND = "find"
    FOLLOWUPS = "followups"
    SNOOZED = "snoozed"
    ROLE = "role"
    ROLES = "roles"
    STATS = "stats"
    ADMIN = "admin"
    FORGET = "forget"
    EXPORT = "export"
    ATS = "ats"
    REWARDS = "rewards"  # admins: referral rewards to pay (list, mark paid, payroll CSV)


class Shortcut(StrEnum):
    REFER = "refer"
    REFER_FROM_MESSAGE = "refer_from_message"


class View(StrEnum):
    REFERRAL = "referral_submit"
    NOT_A_FIT = "not_a_fit_submit"
    HM_PASS = "hm_pass_submit"
    INTRO_REQUEST = "intro_request_submit"
    SNOOZE = "snooze_submit"
    REACH_OUT = "reach_out_submit"
    ROLE = "role_submit"
    SOURCING_START = "sourcing_start_submit"
    ADMIN = "admin_submit"
    FORGET = "forget_submit"
    ATS = "ats_submit"
    ROUNDUP_SETTINGS = "roundup_settings_submit"  # pushed from the admin modal
    ROUNDUP_DM = "roundup_dm_submit"  # Home: a personal weekly DM of matching roles
    ATS_STAGES = "ats_stages_submit"  # the stage mapping, pushed over the `/refbot ats` modal


class Action(StrEnum):
    HOME_REFER = "home_refer"
    ROLE_OPEN = "role_open"  # an upcoming role opens: its pool goes to the recruiter
    ROLE_EDIT = "role_edit"  # the role modal, prefilled (`/refbot roles`, recruiters)
    ROLE_CLOSE = "role_close"  # nobody can refer for it any more (after a confirmation)
    CANDIDATE_REACH_OUT = "candidate_reach_out"
    CANDIDATE_SNOOZE = "candidate_snooze"
    CANDIDATE_REQUEST_INTRO = "candidate_request_intro"
    CANDIDATE_NOT_A_FIT = "candidate_not_a_fit"
    CANDIDATE_REACTIVATE = "candidate_reactivate"
    CANDIDATE_ARCHIVE = "candidate_archive"
    CANDIDATE_STAGE = "candidate_stage"  # "Move to…" select: reviewing, interviewing, hired
    CANDIDATE_TAKE = "candidate_take"  # a recruiter takes a general referral: they own it
    CANDIDATE_SEND_TO_ATS = "candidate_send_to_ats"  # "Send to Greenhouse/Lever" (push mode)
    ATS_STAGE_MAP = "ats_stage_map"  # "Stage mapping" in the `/refbot ats` modal (admins)
    FOLLOWUP_SENT = "followup_sent"
    FOLLOWUP_REPLIED = "followup_replied"
    HM_INTERESTED = "hm_interested"
    HM_PASS = "hm_pass"
    INTRO_ACCEPT = "intro_accept"
    INTRO_DECLINE = "intro_decline"
    SOURCING_ADD_CONTACT = "sourcing_add_contact"
    SOURCING_END = "sourcing_end"
    ROUNDUP_REFER = "roundup_refer"  # a roundup's "Refer someone" (value = role public id)
    ADMIN_ROUNDUPS = "admin_roundups"  # the admin modal's "Roundups and thank-yous…"
    HOME_ROUNDUP_DM = "home_roundup_dm"  # ask for the weekly DM (opens its modal)
    HOME_ROUNDUP_STOP = "home_roundup_stop"  # stop it, in one click
    HOME_THANKS_NAME = "home_thanks_name"  # value "hide" / "show": named in thank-yous or not
    REWARD_MARK_PAID = "reward_mark_paid"  # admins only, value = reward public id
    REWARD_EXPORT = "reward_export"  # admins only: the payable rewards as CSV, in a DM


class Event(StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    APP_UNINSTALLED = "app_uninstalled"
    TOKENS_REVOKED = "tokens_revoked"


class ReferralInput(StrEnum):
    """Blocks of the referral modal; each input's block_id equals its action_id."""

    NAME = "name"
    EMAIL = "email"
    PROFILE_URL = "profile_url"
    ROLE = "role"
    RELATIONSHIP = "relationship"
    STRENGTH = "strength"
    CANDIDATE_KNOWS = "candidate_knows"
    CAN_INTRO = "can_intro"
    NOTE = "note"
    CV = "cv"  # file_input: the candidate's CV (optional; recruiters only see it)
    IN_SESSION = "in_session"  # /refer in a channel running a sourcing session
    SAVING = "saving"  # not an input: the modal between its ack and its outcome (issue 15)


class RoleInput(StrEnum):
    TITLE = "title"
    TEAM = "team"
    HIRING_MANAGER = "hiring_manager"
    RECRUITER = "recruiter"
    STATUS = "status"
    IDEAL_PROFILE = "ideal_profile"


class AdminInput(StrEnum):
    FOLLOWUP_FIRST = "followup_first_days"
    FOLLOWUP_SECOND = "followup_second_days"
    SNOOZE = "snooze_default_months"
    SLA = "sla_business_days"
    CREDIT = "credit_window_months"
    RETENTION = "retention_months"
    TEMPLATE = "template"  # which wording; picking one refills the box (dispatch_action)
    TEMPLATE_LOCALE = "template_locale"  # the language of that wording (dispatch_action)
    TEMPLATE_BODY = "template_body"
    RECRUITERS = "recruiters"
    ADMINS = "admins"


class RoundupInput(StrEnum):
    """Blocks of the roundup settings modal; each input's block_id equals its action_id."""

    CHANNELS = "roundup_channels"
    WEEKDAY = "roundup_weekday"
    HOUR = "roundup_hour"
    ANNOUNCE = "roundup_announce"
    RECOGNITION_CHANNEL = "recognition_channel"
    TIMEZONE = "workspace_timezone"


class RoundupDmInput(StrEnum):
    TEAM = "roundup_team"
    KEYWORDS = "roundup_keywords"


class RewardInput(StrEnum):
    """A reward rule's inputs, on the role modal and the admin modal (admins only)."""

    AMOUNT = "reward_amount"
    CURRENCY = "reward_currency"
    DAYS = "reward_days"


class ReachOutInput(StrEnum):
    TEMPLATE = "template"
    CHANNEL = "channel"


class SessionInput(StrEnum):
    ROLE = "role"
    DURATION = "duration"
    GOAL = "goal"
    PROMPT = "prompt"


class SnoozeInput(StrEnum):
    UNTIL = "until"
    DATE = "date"
    NOTE = "note"


class AtsInput(StrEnum):
    """Blocks of the `/refbot ats` modal; each input's block_id equals its action_id."""

    ATS = "ats"
    CLIENT_ID = "client_id"
    SECRET = "secret"
    USER_ID = "acting_user"  # the ATS user refbot acts as
    WEBHOOK_SECRET = "webhook_secret"
    MODE = "mode"
    PUSH = "push"


class ReasonInput(StrEnum):
    REASON = "reason"
