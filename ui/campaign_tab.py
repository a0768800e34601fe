"""The Campaigns tab: pick a campaign, review its emails, approve, export, send.

Layout and event wiring only; the views and actions themselves are ``ui.campaigns``.
Sending takes two steps a person performs: "Prepare send" shows what will go out and a
code, and "Confirm send" needs that code typed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from ui import campaigns as views

LANGUAGES = [("English", "en"), ("한국어", "ko")]
EMAIL_COLUMNS = ["customer_id", "to_name", "status", "valid", "subject", "problems"]
TONES = ["warm", "friendly", "formal", "concise"]


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
        approve = gr.Button("Approve all valid", size="sm", variant="primary",
                            elem_id="campaign-approve")
        export = gr.Button("Export CSV · EML · JSONL", size="sm", elem_id="campaign-export")
        prepare = gr.Button("Prepare send…", size="sm", elem_id="campaign-prepare")
    message = gr.Markdown(elem_id="campaign-message")
    files = gr.File(label="Exported files", file_count="multiple", visible=False,
                    elem_id="campaign-files")
    with gr.Row():
        code = gr.Textbox(placeholder="Type the confirmation code to send", show_label=False,
                          scale=3, elem_id="campaign-code")
        confirm = gr.Button("Confirm send", size="sm", variant="stop", scale=1,
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

    def approve_all(campaign_id: int) -> tuple[Any, ...]:
        if campaign_id is None:
            return ("Pick a campaign first.", *show(None))
        return (views.approve_emails(campaign_id), *show(campaign_id))

    def export_all(campaign_id: int) -> tuple[Any, Any]:
        if campaign_id is None:
            return "Pick a campaign first.", gr.update(visible=False)
        paths, text = views.export_files(campaign_id)
        return text, gr.update(value=paths or None, visible=bool(paths))

    def prepare_send(campaign_id: int) -> str:
        if campaign_id is None:
            return "Pick a campaign first."
        code_value, text = views.request_send(campaign_id)
        return text if code_value else f"**Cannot send:** {text}"

    def confirm_send(campaign_id: int, typed: str) -> tuple[Any, ...]:
        if campaign_id is None or not typed.strip():
            return ("Type the confirmation code shown by “Prepare send…”.", "", *show(campaign_id))
        return (views.confirm_send(campaign_id, typed.strip()), "", *show(campaign_id))

    async def create_new(text: str, lang: str, voice: str,
                         progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        def report(done: int, total: int) -> None:
            progress((done, total), desc="Drafting emails")

        campaign_id, text_out = await views.create(text, lang, voice, progress=report)
        return (text_out, *show(campaign_id))

    picker.change(show, [picker], tab.outputs)
    refresh.click(show, [picker], tab.outputs)
    emails.select(pick_row, [picker, emails], [preview])
    approve.click(approve_all, [picker], [message, *tab.outputs])
    export.click(export_all, [picker], [message, files])
    prepare.click(prepare_send, [picker], [message])
    confirm.click(confirm_send, [picker, code], [message, code, *tab.outputs])
    create.click(create_new, [audience, language, tone], [message, *tab.outputs])
    return tab
