"""The `/refbot ats` modal (no secret is ever put back in it), its "checking" and "saved"
views, the recruiter card's ATS line and the "Send to ATS" answer."""

from typing import Any

from bot import i18n
from bot.ids import Action, AtsInput, View
from bot.rendering.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    input_block,
    message,
    modal,
    option,
    radio_buttons,
    section,
    static_select,
    text_input,
)
from bot.services.ats import FIELD_MAX, AtsFormView, AtsLine, AtsSaved, PushRequested
from bot.services.ats_stages import MAPPABLE, StageMapSaved, StageMapView, block_for


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "ats/labels", key=key)


def ats_modal(view: AtsFormView) -> dict[str, Any]:
    """The form, filled with what is not secret; secrets stay empty (kept when left so)."""
    t = view.locale
    intro = section(i18n.mrkdwn(t, "ats/intro", view=view))
    # Connected: the stage mapping opens over this modal (views.push).
    stage_map = actions(button(_label(t, "stage_map"), Action.ATS_STAGE_MAP, value="stages"))
    if view.from_env:  # nothing to edit here but the mapping
        return modal(View.ATS, _label(t, "title"), [intro, stage_map], close=_label(t, "done"))
    kinds = [option(_label(t, k), k) for k in ("greenhouse", "lever", "none")]
    secret_hint = _label(t, "secret_kept_hint" if view.kept else "secret_hint")
    blocks: list[Block] = [
        intro,
        input_block(AtsInput.ATS, _label(t, "ats"), static_select(kinds, initial=view.kind)),
        input_block(
            AtsInput.CLIENT_ID,
            _label(t, "client_id"),
            text_input(max_length=FIELD_MAX),
            optional=True,
            hint=_label(t, "client_id_hint"),
        ),
        input_block(
            AtsInput.SECRET,
            _label(t, "secret"),
            text_input(max_length=FIELD_MAX),
            optional=True,
            hint=secret_hint,
        ),
        input_block(
            AtsInput.USER_ID,
            _label(t, "user_id"),
            text_input(initial=view.user_id, max_length=FIELD_MAX),
            optional=True,
            hint=_label(t, "user_id_hint"),
        ),
        input_block(
            AtsInput.WEBHOOK_SECRET,
            _label(t, "webhook_secret"),
            text_input(max_length=FIELD_MAX),
            optional=True,
            hint=_label(t, "webhook_secret_hint"),
        ),
        input_block(
            AtsInput.MODE,
            _label(t, "mode"),
            radio_buttons(
                [option(_label(t, m), m) for m in ("webhooks", "polling")], initial=view.mode
            ),
        ),
        input_block(
            AtsInput.PUSH,
            _label(t, "push"),
            radio_buttons([option(_label(t, p), p) for p in ("auto", "button")], initial=view.push),
        ),
    ]
    if view.kept and not view.refused:
        blocks.insert(1, stage_map)
    return modal(
        View.ATS,
        _label(t, "title"),
        blocks,
        submit=_label(t, "submit"),
        close=_label(t, "close"),
    )


def ats_stages_modal(view: StageMapView) -> dict[str, Any]:
    """One select per stage refbot knows, each on what it maps to now."""
    t = view.locale
    intro = section(i18n.mrkdwn(t, "ats/stages", view=view))
    if view.ats is None:
        return modal(View.ATS_STAGES, _label(t, "stages_title"), [intro], close=_label(t, "close"))
    statuses = [option(i18n.term(t, "status", m.value), m.value) for m in MAPPABLE]
    blocks: list[Block] = [intro]
    for stage in view.stages:
        blocks.append(
            input_block(
                block_for(stage.key),
                stage.name,
                static_select(statuses, initial=stage.status),
            )
        )
    return modal(
        View.ATS_STAGES,
        _label(t, "stages_title"),
        blocks,
        submit=_label(t, "save"),
        close=_label(t, "close"),
        private_metadata=view.metadata,
    )


def ats_stages_saved(saved: StageMapSaved) -> dict[str, Any]:
    t = saved.locale
    text = i18n.mrkdwn(t, "ats/stages_saved", saved=saved)
    return modal(
        View.ATS_STAGES, _label(t, "stages_title"), [section(text)], close=_label(t, "done")
    )


def ats_checking(locale: str, ats: str) -> dict[str, Any]:
    """Shown by the ack while the credentials are checked (after the ack)."""
    text = i18n.mrkdwn(locale, "ats/checking", ats=ats)
    return modal(View.ATS, _label(locale, "title"), [section(text)], close=_label(locale, "close"))


def ats_saved(saved: AtsSaved) -> dict[str, Any]:
    t = saved.locale
    text = i18n.mrkdwn(t, "ats/saved", saved=saved)
    return modal(View.ATS, _label(t, "title"), [section(text)], close=_label(t, "done"))


def ats_card_line(locale: str, line: AtsLine | None) -> Block | None:
    """The recruiter card's line about the ATS: where the person is there, or not yet."""
    return None if line is None else context(i18n.mrkdwn(locale, "ats/card", line=line))


def ats_send_button(locale: str, line: AtsLine | None, candidate: str) -> Block | None:
    """ "Send to Greenhouse/Lever", while the person is not there and nothing is on the way."""
    if line is None or line.state != "offer":
        return None
    return button(_label(locale, f"send_{line.ats}"), Action.CANDIDATE_SEND_TO_ATS, value=candidate)


def ats_push_requested(result: PushRequested) -> Message:
    text = i18n.mrkdwn(result.locale, "ats/push_requested", result=result)
    return message(text, [section(text)], response_type="ephemeral", replace_original=False)
