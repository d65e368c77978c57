"""Referral rewards: the rule's inputs (role and admin modals), `/refbot rewards` for admins,
the referrer's DM when a reward becomes payable, their Home section and the digest's."""

from collections.abc import Sequence
from typing import Any

from bot import i18n
from bot.ids import Action, RewardInput
from bot.rendering.blocks import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    header,
    input_block,
    message,
    section,
    text_input,
)
from bot.reward_rules import RuleForm
from bot.services.rewards import RewardBoard, RewardLine, RewardNote

HOME_SHOWN = 10
DIGEST_SHOWN = 5


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "rewards/labels", key=key)


def reward_inputs(locale: str, form: RuleForm, *, default: bool = False) -> list[Block]:
    """Amount, currency, days: all optional (no amount and no currency: no reward)."""
    label = lambda key: _label(locale, key)  # noqa: E731
    return [
        header(label("rule_header")),
        input_block(
            RewardInput.AMOUNT,
            label("amount"),
            text_input(initial=form.amount or None, max_length=20, placeholder="1000"),
            optional=True,
            hint=label("default_amount_hint" if default else "amount_hint"),
        ),
        input_block(
            RewardInput.CURRENCY,
            label("currency"),
            text_input(initial=form.currency or None, max_length=3, placeholder="EUR"),
            optional=True,
            hint=label("currency_hint"),
        ),
        input_block(
            RewardInput.DAYS,
            label("days"),
            text_input(initial=form.days or None, max_length=4, placeholder="90"),
            optional=True,
        ),
    ]


def reward_fields(form: dict[str, Any]) -> tuple[str | None, str | None, str | None] | None:
    """The reward inputs of a submitted modal (read_state's flat dict), or None when the modal
    had none (only admins are shown them)."""
    if not any(name in form for name in RewardInput):
        return None
    return form.get(RewardInput.AMOUNT), form.get(RewardInput.CURRENCY), form.get(RewardInput.DAYS)


def rewards_list(board: RewardBoard) -> Message:
    """`/refbot rewards`: what the last click did, the rewards to pay (each with Mark paid),
    the export button, then the promised ones. Ephemeral; a click replaces it."""
    t = board.locale
    title = _label(t, "title")
    blocks: list[Block] = [header(title)]
    if board.done and board.line:
        blocks.append(context(i18n.mrkdwn(t, "rewards/done", done=board.done, line=board.line)))
    blocks.append(section(f"*{i18n.escape_mrkdwn(_label(t, 'payable'))}*"))
    room = MESSAGE_BLOCKS - 8  # header, outcome, titles, export, upcoming, "more"
    shown = board.payable[: room // 2]
    for line in shown:
        paid = button(_label(t, "mark_paid"), Action.REWARD_MARK_PAID, value=line.public_id)
        blocks.append(section(i18n.mrkdwn(t, "rewards/line", line=line), accessory=paid))
    if not board.payable:
        blocks.append(context(i18n.mrkdwn(t, "rewards/labels", key="none_payable")))
    more = board.payable_more + len(board.payable) - len(shown)
    if more:
        blocks.append(context(i18n.mrkdwn(t, "rewards/more", count=more)))
    if board.payable:
        blocks.append(actions(button(_label(t, "export"), Action.REWARD_EXPORT, value="csv")))
    blocks += [divider(), section(f"*{i18n.escape_mrkdwn(_label(t, 'upcoming'))}*")]
    upcoming = [i18n.mrkdwn(t, "rewards/line", line=line) for line in board.upcoming]
    text = "\n".join(upcoming) if upcoming else _label(t, "none_upcoming")
    blocks.append(section(text))
    return message(title, blocks, response_type="ephemeral", replace_original=True)


def rewards_exported(locale: str) -> Message:
    text = i18n.mrkdwn(locale, "rewards/exported")
    return message(text, [section(text)], response_type="ephemeral", replace_original=False)


def reward_note(locale: str, note: RewardNote) -> Message:
    """The referrer's DM: the reward promised, now due, or cancelled (a kind word)."""
    text = i18n.mrkdwn(locale, f"rewards/{note.kind}", line=note.line)
    return message(text, [section(text)])


def home_reward_sections(locale: str, lines: Sequence[RewardLine]) -> list[Block]:
    """The referrer's own rewards on their Home tab (nothing when they have none)."""
    if not lines:
        return []
    text = "\n".join(i18n.mrkdwn(locale, "rewards/mine", line=line) for line in lines[:HOME_SHOWN])
    return [
        divider(),
        section(f"*{i18n.escape_mrkdwn(_label(locale, 'home_title'))}*"),
        section(text),
    ]


def digest_reward_blocks(locale: str, lines: Sequence[RewardLine]) -> list[Block]:
    """An admin's digest: the rewards to pay, the first few named."""
    if not lines:
        return []
    named = [i18n.mrkdwn(locale, "rewards/line", line=line) for line in lines[:DIGEST_SHOWN]]
    blocks = [
        section(i18n.mrkdwn(locale, "rewards/digest", count=len(lines))),
        section("\n".join(named)),
    ]
    if len(lines) > DIGEST_SHOWN:
        blocks.append(context(i18n.mrkdwn(locale, "rewards/more", count=len(lines) - DIGEST_SHOWN)))
    return blocks
