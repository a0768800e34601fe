"""The Campaigns tab: pick a campaign, review its emails, approve, export, send.

Layout and event wiring only; the views and actions themselves are ``ui.campaigns``.
Approving and sending need a marketer: with a login, only the users allowed to send
(``Settings.may_send``); each takes two steps — "Approve all valid…" or "Prepare send…" says
what will happen and shows a code as an image only, and "Confirm" needs that code typed
back in the same page, before it expires. The history records who did it. These events are
left out of the app's public API; as any HTTP client can still post to them, the handlers
enforce all of it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from config.settings import get_settings
from ui import campaigns as views
from ui.code_image import code_html

LANGUAGES = [("English", "en"), ("한국어", "ko")]
EMAIL_COLUMNS = ["customer_id", "to_name", "status", "valid", "subject", "problems"]
TONES = ["warm", "friendly", "formal", "concise"]
NO_LOGIN_ACTOR = "app user (no login)"
# the two confirmed actions: step one (campaign, actor) -> (code, text) and step two
# (campaign, code, actor) -> (code accepted, text)
REQUESTS = {"approve": views.request_approve_all, "send": views.request_send}
CONFIRMS = {"approve": views.confirm_approve_all, "send": views.confirm_send}


@dataclass
class CampaignTab:
    """The components a chat turn refreshes after it touched campaigns."""

    picker: gr.Dropdown
    status: gr.HTML
    emails: gr.Dataframe
    preview: gr.HTML

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.picker, self.status, self.emails, self.preview]


def show(campaign_id: int | None) -> tuple[Any, Any, Any, Any]:
    """The picker, status, email table and an empty preview for ``campaign_id``."""
    choices = views.campaign_choices()
    if campaign_id is None and choices:
        campaign_id = choices[0][1]
    if campaign_id is None:
        return (gr.update(choices=[], value=None), "<p>No campaigns yet: ask the assistant to "
                "create one, or use the form below.</p>", pd.DataFrame(), "")
    emails = views.emails_frame(campaign_id)
    return (gr.update(choices=choices, value=campaign_id), views.status_html(campaign_id),
            emails[[c for c in EMAIL_COLUMNS if c in emails.columns]], "")


def latest() -> tuple[Any, Any, Any, Any]:
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


def build_campaign_tab() -> CampaignTab:
    """Create the tab's components inside the current Blocks context and wire them."""
    with gr.Row():
        picker = gr.Dropdown(label="Campaign", choices=views.campaign_choices(), scale=4,
                             elem_id="campaign-picker", interactive=True)
        refresh = gr.Button("↻", size="sm", scale=0, min_width=40, elem_id="campaign-refresh")
    status = gr.HTML(elem_id="campaign-status")
    emails = gr.Dataframe(interactive=False, wrap=True, max_height=300, elem_id="campaign-emails",
                          label="Emails (click a row to preview)",
                          column_widths=["70px", "120px", "80px", "60px", "260px", "120px"])
    preview = gr.HTML(elem_id="campaign-preview")
    with gr.Row():
        approve = gr.Button("Approve all valid…", size="sm", variant="primary",
                            elem_id="campaign-approve")
        export = gr.Button("Export CSV · EML · JSONL", size="sm", elem_id="campaign-export")
        prepare = gr.Button("Prepare send…", size="sm", elem_id="campaign-prepare")
    message = gr.Markdown(elem_id="campaign-message")
    files = gr.File(label="Exported files", file_count="multiple", visible=False,
                    elem_id="campaign-files")
    code_image = gr.HTML(elem_id="campaign-code-image")
    pending = gr.State(None)  # the action waiting for its code: "approve" | "send" | None
    with gr.Row():
        code = gr.Textbox(placeholder="Type the code shown to confirm", show_label=False,
                          scale=3, elem_id="campaign-code")
        confirm = gr.Button("Confirm", size="sm", variant="stop", scale=1,
                            elem_id="campaign-confirm")
    with gr.Accordion("New campaign", open=False):
        audience = gr.Textbox(label="Audience", placeholder="unhappy loyal customers in Busan / "
                              "부산의 불만 로열 고객", elem_id="campaign-audience")
        with gr.Row():
            language = gr.Dropdown(LANGUAGES, value="en", label="Language")
            tone = gr.Dropdown(TONES, value="warm", label="Tone")
        create = gr.Button("Draft campaign", variant="primary", elem_id="campaign-create")

    tab = CampaignTab(picker, status, emails, preview)

    def pick_row(campaign_id: int, table: pd.DataFrame, event: gr.SelectData) -> str:
        if campaign_id is None or table is None or table.empty:
            return ""
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        return views.email_html(campaign_id, int(table.iloc[row]["customer_id"]))

    def ask_code(action: str, campaign_id: int, request: gr.Request) -> tuple[Any, Any, Any]:
        """Step one of approving or sending: what will happen, and the code as an image."""
        refusal = not_allowed(request)
        if campaign_id is None or refusal:
            return refusal or "Pick a campaign first.", "", None
        code_value, text = REQUESTS[action](campaign_id, actor(request))
        if code_value is None:
            return f"**Cannot {action}:** {text}", "", None
        return text, code_html(code_value, "Confirmation code:"), action

    def approve_all(campaign_id: int, request: gr.Request) -> tuple[Any, Any, Any]:
        return ask_code("approve", campaign_id, request)

    def export_all(campaign_id: int) -> tuple[Any, Any]:
        if campaign_id is None:
            return "Pick a campaign first.", gr.update(visible=False)
        paths, text = views.export_files(campaign_id)
        return text, gr.update(value=paths or None, visible=bool(paths))

    def prepare_send(campaign_id: int, request: gr.Request) -> tuple[Any, Any, Any]:
        return ask_code("send", campaign_id, request)

    def confirm_code(campaign_id: int, typed: str, action: str | None,
                     request: gr.Request) -> tuple[Any, ...]:
        """Step two: the typed code completes the action this page asked for."""
        refusal = not_allowed(request)
        if refusal or action is None:
            return (refusal or "Nothing to confirm: press “Approve all valid…” or “Prepare "
                    "send…” first.", "", "", None, *show(campaign_id))
        if campaign_id is None or not typed.strip():
            return ("Type the code shown above.", "", gr.skip(), action, *show(campaign_id))
        done, text = CONFIRMS[action](campaign_id, typed.strip(), actor(request))
        # a mistyped code may be typed again (the store voids it after a few wrong tries)
        return (text, "", "" if done else gr.skip(), None if done else action,
                *show(campaign_id))

    async def create_new(text: str, lang: str, voice: str,
                         progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        def report(done: int, total: int) -> None:
            progress((done, total), desc="Drafting emails")

        campaign_id, text_out = await views.create(text, lang, voice, progress=report)
        return (text_out, *show(campaign_id))

    picker.change(show, [picker], tab.outputs)
    refresh.click(show, [picker], tab.outputs)
    emails.select(pick_row, [picker, emails], [preview])
    # approving and sending are for people in this page, not for the public API
    approve.click(approve_all, [picker], [message, code_image, pending],
                  api_visibility="private")
    export.click(export_all, [picker], [message, files])
    prepare.click(prepare_send, [picker], [message, code_image, pending],
                  api_visibility="private")
    confirm.click(confirm_code, [picker, code, pending],
                  [message, code, code_image, pending, *tab.outputs], api_visibility="private")
    create.click(create_new, [audience, language, tone], [message, *tab.outputs])
    return tab
