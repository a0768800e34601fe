"""The Campaigns tab: pick a campaign, review its emails, approve or reject them, export,
send.

Layout and event wiring only; the views and actions themselves are ``ui.campaigns``.
Approving and sending need a marketer: with a login, only the users allowed to send
(``Settings.may_send``); each takes two steps — "Approve all valid…", "Approve this email…"
or "Prepare send…" says what will happen and opens a dialog with a code shown as an image
only, and "Confirm" needs that code typed back in the same page, before it expires. The
history records who did it. These events are left out of the app's public API; as any HTTP
client can still post to them, the handlers enforce all of it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from config.settings import get_settings
from tools.campaigns.workflow import APPROVABLE, REJECTABLE, campaign_store
from ui import campaigns as views
from ui.code_image import code_html

LANGUAGES = [("English", "en"), ("한국어", "ko")]
# the email table's columns, as a marketer reads them
EMAIL_COLUMNS = {"customer_id": "Customer", "to_name": "Name", "status": "Status",
                 "valid": "Checks", "subject": "Subject", "problems": "Problems",
                 "waiting_elsewhere": "Also waiting in"}
TONES = ["warm", "friendly", "formal", "concise"]
NO_LOGIN_ACTOR = "app user (no login)"


@dataclass(frozen=True)
class PendingCode:
    """The action a shown code confirms: approving (every valid draft when
    ``customer_ids`` is None) or sending."""

    action: str  # "approve" | "send"
    customer_ids: tuple[int, ...] | None = None


@dataclass
class CampaignTab:
    """The components a chat turn refreshes after it touched campaigns."""

    picker: gr.Dropdown
    status: gr.HTML
    emails: gr.Dataframe
    preview: gr.HTML
    picked: gr.Group  # the picked email's line and its approve / reject buttons
    picked_text: gr.Markdown
    approve_one: gr.Button
    reject_one: gr.Button
    selected: gr.State  # the picked email's customer id

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.picker, self.status, self.emails, self.preview, self.picked,
                self.picked_text, self.approve_one, self.reject_one, self.selected]


def email_rows(campaign_id: int) -> pd.DataFrame:
    """The campaign's emails under readable headers, checks as passed / failed."""
    emails = views.emails_frame(campaign_id)
    shown = emails[[c for c in EMAIL_COLUMNS if c in emails.columns]].copy()
    if "valid" in shown.columns:
        shown["valid"] = shown["valid"].map({True: "passed", False: "failed"})
    return shown.rename(columns=EMAIL_COLUMNS)


def picked(campaign_id: int | None, customer_id: int | None) -> tuple[Any, ...]:
    """The picked email's preview, its line, the actions it allows, and its id (all empty
    when none is picked)."""
    record = (campaign_store().email(campaign_id, customer_id)
              if campaign_id is not None and customer_id is not None else None)
    if record is None:
        return ("", gr.update(visible=False), "", gr.update(visible=False),
                gr.update(visible=False), None)
    checks = "passed the checks" if record["valid"] else "failed the checks"
    text = (f"**{record['to_name']}** · customer {record['customer_id']} · "
            f"**{record['status']}** · {checks}")
    approvable = record["valid"] and record["status"] in APPROVABLE
    return (views.email_html(campaign_id, record["customer_id"]), gr.update(visible=True), text,
            gr.update(visible=approvable), gr.update(visible=record["status"] in REJECTABLE),
            record["customer_id"])


def show(campaign_id: int | None, customer_id: int | None = None) -> tuple[Any, ...]:
    """The picker, status and email table for ``campaign_id``, and the picked email."""
    choices = views.campaign_choices()
    if campaign_id is None and choices:
        campaign_id = choices[0][1]
    if campaign_id is None:
        return (gr.update(choices=[], value=None), "<p>No campaigns yet: ask the assistant to "
                "create one, or use the form below.</p>", pd.DataFrame(), *picked(None, None))
    return (gr.update(choices=choices, value=campaign_id), views.status_html(campaign_id),
            email_rows(campaign_id), *picked(campaign_id, customer_id))


def latest() -> tuple[Any, ...]:
    """The newest campaign (after a chat turn created or changed one)."""
    return show(None)


def actor(request: gr.Request) -> str:
    """Who is acting, for the campaign's history."""
    return f"app:{request.username}" if request.username else NO_LOGIN_ACTOR


def not_allowed(request: gr.Request) -> str | None:
    """Why this user may not approve or send, if they may not."""
    if get_settings().may_send(request.username):
        return None
    return f"**Not allowed:** {request.username} may read, draft and export campaigns, but " \
           "not approve or send them (ask an administrator to add you to CYMBAL_UI_SENDERS)."


def ask_code(pending: PendingCode, campaign_id: int | None,
             request: gr.Request) -> tuple[Any, ...]:
    """Step one of approving or sending: the dialog with what will happen and the code as an
    image. (message, code image, pending action, dialog, dialog error, typed code)"""
    closed = (None, gr.update(visible=False), "", gr.skip())
    refusal = not_allowed(request)
    if campaign_id is None or refusal:
        return refusal or "Pick a campaign first.", "", *closed
    who = actor(request)
    if pending.action == "approve":
        ids = list(pending.customer_ids) if pending.customer_ids is not None else None
        code_value, text = views.request_approve(campaign_id, who, ids)
    else:
        code_value, text = views.request_send(campaign_id, who)
    if code_value is None:
        return f"**Cannot {pending.action}:** {text}", "", *closed
    return "", code_html(code_value, text), pending, gr.update(visible=True), "", ""


def build_campaign_tab() -> CampaignTab:
    """Create the tab's components inside the current Blocks context and wire them."""
    with gr.Row():
        picker = gr.Dropdown(label="Campaign", choices=views.campaign_choices(), scale=4,
                             elem_id="campaign-picker", interactive=True)
        refresh = gr.Button("↻", size="sm", scale=0, min_width=40, elem_id="campaign-refresh")
    status = gr.HTML(elem_id="campaign-status")
    emails = gr.Dataframe(interactive=False, wrap=True, max_height=300, elem_id="campaign-emails",
                          label="Emails (click a row to preview, approve or reject it)",
                          column_widths=["100px", "130px", "86px", "72px", "240px", "110px"])
    with gr.Group(visible=False, elem_id="campaign-picked") as picked_box:
        picked_text = gr.Markdown(elem_id="campaign-picked-text")
        with gr.Row():
            approve_one = gr.Button("Approve this email…", size="sm", variant="primary",
                                    elem_id="campaign-approve-one")
            reject_one = gr.Button("Reject this email", size="sm", variant="stop",
                                   elem_id="campaign-reject-one")
    preview = gr.HTML(elem_id="campaign-preview")
    with gr.Row():
        approve = gr.Button("Approve all valid…", size="sm", variant="primary",
                            elem_id="campaign-approve")
        export = gr.Button("Export CSV · EML · JSONL", size="sm", elem_id="campaign-export")
        prepare = gr.Button("Prepare send…", size="sm", elem_id="campaign-prepare")
    message = gr.Markdown(elem_id="campaign-message")
    files = gr.File(label="Exported files", file_count="multiple", visible=False,
                    elem_id="campaign-files")
    pending = gr.State(None)  # the PendingCode a shown code confirms, or None
    # the confirmation dialog: hidden until a code was asked for, closed when it is used
    with gr.Column(visible=False, elem_id="campaign-confirm-box",
                   elem_classes="confirm-dialog") as dialog:
        code_image = gr.HTML(elem_id="campaign-code-image")
        dialog_error = gr.Markdown(elem_id="campaign-confirm-error")
        code = gr.Textbox(placeholder="Type the code shown", show_label=False,
                          elem_id="campaign-code")
        with gr.Row():
            cancel = gr.Button("Cancel", size="sm", elem_id="campaign-cancel")
            confirm = gr.Button("Confirm", size="sm", variant="primary",
                                elem_id="campaign-confirm")
    with gr.Accordion("New campaign", open=False):
        audience = gr.Textbox(label="Audience", placeholder="unhappy loyal customers in Busan / "
                              "부산의 불만 로열 고객", elem_id="campaign-audience")
        with gr.Row():
            language = gr.Dropdown(LANGUAGES, value="en", label="Language")
            tone = gr.Dropdown(TONES, value="warm", label="Tone")
        with gr.Row():
            plan = gr.Button("Dry run", elem_id="campaign-plan")
            create = gr.Button("Draft emails", variant="primary", visible=False,
                               elem_id="campaign-create")
    planned = gr.State(None)  # the dry run the "Draft" button drafts, or None

    selected = gr.State(None)  # the picked email's customer id
    tab = CampaignTab(picker, status, emails, preview, picked_box, picked_text, approve_one,
                      reject_one, selected)
    asking = [message, code_image, pending, dialog, dialog_error, code]

    def pick_row(campaign_id: int, table: pd.DataFrame, event: gr.SelectData) -> tuple[Any, ...]:
        if campaign_id is None or table is None or table.empty:
            return picked(None, None)
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        return picked(campaign_id, int(table.iloc[row][EMAIL_COLUMNS["customer_id"]]))

    def approve_all(campaign_id: int, request: gr.Request) -> tuple[Any, ...]:
        return ask_code(PendingCode("approve"), campaign_id, request)

    def approve_picked(campaign_id: int, customer_id: int | None,
                       request: gr.Request) -> tuple[Any, ...]:
        if customer_id is None:
            return "Pick an email first.", "", None, gr.update(visible=False), "", gr.skip()
        return ask_code(PendingCode("approve", (int(customer_id),)), campaign_id, request)

    def reject_picked(campaign_id: int, customer_id: int | None,
                      request: gr.Request) -> tuple[Any, ...]:
        if campaign_id is None or customer_id is None:
            return "Pick an email first.", *show(campaign_id)
        text = views.reject_emails(campaign_id, [int(customer_id)], actor(request))
        return text, *show(campaign_id, customer_id)

    def export_all(campaign_id: int, customer_id: int | None) -> tuple[Any, ...]:
        if campaign_id is None:
            return "Pick a campaign first.", gr.update(visible=False), *show(None)
        paths, text = views.export_files(campaign_id)
        return (text, gr.update(value=paths or None, visible=bool(paths)),
                *show(campaign_id, customer_id))

    def prepare_send(campaign_id: int, request: gr.Request) -> tuple[Any, ...]:
        return ask_code(PendingCode("send"), campaign_id, request)

    def confirm_code(campaign_id: int, typed: str, action: PendingCode | None,
                     request: gr.Request) -> tuple[Any, ...]:
        """Step two: the typed code completes the action this page asked for. (message,
        typed code, code image, pending action, dialog, dialog error, *the tab)"""
        refusal = not_allowed(request)
        if refusal or action is None:
            text = refusal or "Nothing to confirm: press “Approve all valid…”, “Approve this " \
                              "email…” or “Prepare send…” first."
            return (text, "", "", None, gr.update(visible=False), "", *show(campaign_id))
        ids = list(action.customer_ids) if action.customer_ids is not None else None
        one = ids[0] if ids is not None and len(ids) == 1 else None
        if campaign_id is None or not typed.strip():
            return ("Type the code shown.", gr.skip(), gr.skip(), action, gr.skip(),
                    "Type the code shown.", *show(campaign_id, one))
        if action.action == "approve":
            done, text = views.confirm_approve(campaign_id, typed.strip(), actor(request), ids)
        else:
            done, text = views.confirm_send(campaign_id, typed.strip(), actor(request))
        if done:
            return (text, "", "", None, gr.update(visible=False), "", *show(campaign_id, one))
        # a mistyped code may be typed again (the store voids it after a few wrong tries)
        return (text, gr.skip(), gr.skip(), action, gr.skip(), f"**{text}**",
                *show(campaign_id, one))

    def cancel_code(action: PendingCode | None) -> tuple[Any, ...]:
        verb = "sent" if action is not None and action.action == "send" else "approved"
        return (f"Cancelled: nothing was {verb}.", "", "", None, gr.update(visible=False), "")

    def size_new(text: str, lang: str, voice: str, request: gr.Request) -> tuple[Any, ...]:
        """Step one: the dry run, and a button to draft exactly what it sized."""
        plan_id, emails, text_out = views.dry_run(text, lang, voice, actor(request))
        label = f"Draft {emails:,} email{'s' if emails != 1 else ''}"
        return text_out, plan_id, gr.update(visible=plan_id is not None, value=label)

    async def create_new(plan_id: int | None, request: gr.Request,
                         progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        """Step two: draft the dry run the marketer just read."""
        def report(done: int, total: int) -> None:
            progress((done, total), desc="Drafting emails")

        if plan_id is None:
            return ("Press “Dry run” first.", None, gr.update(visible=False), *show(None))
        campaign_id, text_out = await views.create(plan_id, actor(request), progress=report)
        return (text_out, None, gr.update(visible=False), *show(campaign_id))

    # another campaign: its own table, no picked email, none of the last export's downloads
    picker.change(show, [picker], tab.outputs).then(lambda: gr.update(visible=False), None,
                                                    files)
    refresh.click(show, [picker, selected], tab.outputs)
    emails.select(pick_row, [picker, emails],
                  [preview, picked_box, picked_text, approve_one, reject_one, selected])
    # approving and sending are for people in this page, not for the public API
    approve.click(approve_all, [picker], asking, api_visibility="private")
    approve_one.click(approve_picked, [picker, selected], asking, api_visibility="private")
    reject_one.click(reject_picked, [picker, selected], [message, *tab.outputs])
    export.click(export_all, [picker, selected], [message, files, *tab.outputs])
    prepare.click(prepare_send, [picker], asking, api_visibility="private")
    confirm.click(confirm_code, [picker, code, pending],
                  [message, code, code_image, pending, dialog, dialog_error, *tab.outputs],
                  api_visibility="private")
    cancel.click(cancel_code, [pending], [message, code, code_image, pending, dialog,
                                          dialog_error], api_visibility="private")
    plan.click(size_new, [audience, language, tone], [message, planned, create])
    for changed in (audience, language, tone):  # a changed form needs a new dry run
        changed.change(lambda: (None, gr.update(visible=False)), None, [planned, create])
    create.click(create_new, [planned], [message, planned, create, *tab.outputs])
    return tab
