"""The Cymbal marketing agent's chat UI (Gradio).

``python app.py`` (or ``cymbal ui``) serves it on 127.0.0.1:7860 by default. Each browser
keeps its conversation id in local storage; conversations are ADK sessions stored under the
data folder, so a reload or a server restart shows the same history.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr
import yaml

from agent.runner import ChatService, ToolCallRecord
from config.settings import PROJECT_ROOT, Settings, get_settings
from tools.warehouse import get_warehouse
from ui.campaign_tab import build_campaign_tab, latest, show
from ui.messages import history_messages, tool_message
from ui.results import result_panel
from ui.status import status_html

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
CAMPAIGN_TOOLS = {"draft_email", "create_campaign", "show_campaign", "edit_campaign",
                  "approve_emails", "reject_emails", "export_campaign", "send_campaign"}
CSS_PATH = PROJECT_ROOT / "ui" / "style.css"
STREAM_UPDATE_S = 0.1  # shortest time between two updates of a streaming answer


def example_questions() -> list[str]:
    path = PROJECT_ROOT / "knowledge" / "example_questions.yaml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["examples"])


def browser_state_secret(settings: Settings) -> str:
    """A key kept under the data folder, so conversation ids stored in browsers stay
    readable after a server restart (Gradio would pick a new random key each start)."""
    path = settings.data_dir / "ui_state.key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def build_app(service: ChatService | None = None, settings: Settings | None = None) -> gr.Blocks:
    """The Blocks app around one ``ChatService``."""
    settings = settings or get_settings()
    service = service or ChatService(settings)
    export_dir = settings.data_dir / "exports" / "ui"

    async def respond(message: str, chat: list[Any], session_id: str
                      ) -> AsyncIterator[tuple[Any, ...]]:
        session_id = session_id or service.new_session_id()
        chat = [*chat, gr.ChatMessage(role="user", content=message)]
        no_change = (gr.skip(),) * 10
        yield chat, "", session_id, *no_change
        calls: list[ToolCallRecord] = []
        answer = ""
        shown_at = 0.0
        async for event in service.stream(message, session_id):
            if event.kind in ("tool_call", "tool_result") and event.tool is not None:
                box = tool_message(event.tool)
                index = next((i for i, m in enumerate(chat) if isinstance(m, gr.ChatMessage)
                              and (m.metadata or {}).get("id") == box.metadata["id"]), None)
                if index is None:
                    calls.append(event.tool)
                    chat = [*chat, box]
                else:
                    chat = [*chat[:index], box, *chat[index + 1:]]
                yield chat, "", session_id, *no_change
            elif event.kind == "delta":
                if not answer:
                    chat = [*chat, gr.ChatMessage(role="assistant", content="")]
                answer += event.text
                chat = [*chat[:-1], gr.ChatMessage(role="assistant", content=answer)]
                # the browser gets the growing answer a few times a second, not every piece:
                # each update re-renders the chat; the last pieces go out with the next yield
                if time.monotonic() - shown_at >= STREAM_UPDATE_S:
                    shown_at = time.monotonic()
                    yield chat, "", session_id, *no_change
            elif event.kind == "text":
                if not answer:  # a model message that was not streamed
                    chat = [*chat, gr.ChatMessage(role="assistant", content=event.text)]
                    yield chat, "", session_id, *no_change
                answer = ""
        panel = result_panel(message, calls, export_dir, uuid.uuid4().hex[:6])
        campaign_ids = [c.response.get("campaign_id") for c in calls
                        if c.name in CAMPAIGN_TOOLS and c.ok and c.response]
        campaign_view = (show(next((i for i in reversed(campaign_ids) if i), None))
                         if campaign_ids else (gr.skip(),) * 4)
        # bring forward what the answer produced: a draft's preview, else its table or chart
        shown_tab = ("email" if panel.email_html is not None else
                     "result" if panel.table is not None or panel.figure is not None else None)
        yield (chat, "", session_id,
               gr.Tabs(selected=shown_tab) if shown_tab else gr.skip(),
               gr.update(value=f"**{panel.title}**" if panel.title else ""),
               gr.update(value=panel.table, visible=panel.table is not None),
               gr.update(value=panel.csv_path, visible=panel.csv_path is not None),
               gr.update(value=panel.figure, visible=panel.figure is not None),
               gr.update(value=panel.email_html or "", visible=panel.email_html is not None),
               *campaign_view)

    async def restore(session_id: str) -> tuple[list[gr.ChatMessage], str]:
        if not session_id:
            return [], service.new_session_id()
        return history_messages(await service.history(session_id)), session_id

    def new_chat() -> tuple[Any, ...]:
        return ([], service.new_session_id(), "", gr.update(value=None, visible=False),
                gr.update(value=None, visible=False), gr.update(value=None, visible=False),
                gr.update(value="", visible=False))

    with gr.Blocks(title="Cymbal Marketing Assistant") as demo:
        session = gr.BrowserState("", storage_key="cymbal-session",
                                  secret=browser_state_secret(settings))
        with gr.Row(elem_classes="app-header"):
            gr.Markdown("## Cymbal Marketing Assistant\nAsk your customer, product and review "
                        "data anything — in English or Korean.", elem_classes="app-title")
            status = gr.HTML(status_html(service.model_choice, get_warehouse()),
                             elem_classes="app-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chat = gr.Chatbot(height=600, label="Conversation", show_label=False,
                                  layout="panel", elem_id="chat",
                                  placeholder="**Ask a question to get started.** Try one of "
                                              "the examples below.")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about customers, reviews, segments, "
                                     "campaigns… / 무엇이든 물어보세요", show_label=False,
                                     scale=8, autofocus=True, elem_id="question",
                                     max_lines=6)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                gr.Examples(example_questions(), inputs=box, label="Examples")
                new = gr.Button("＋ New chat", size="sm", elem_id="new-chat")
            with gr.Column(scale=2, min_width=360):
                with gr.Tabs() as result_tabs:
                    with gr.Tab("Result", id="result"):
                        title = gr.Markdown("Tables, charts and downloads from your questions "
                                            "appear here.", elem_id="result-title")
                        plot = gr.Plot(visible=False, show_label=False, elem_id="result-chart")
                        table = gr.Dataframe(visible=False, interactive=False, wrap=True,
                                             max_height=420, elem_id="result-table",
                                             show_search="search")
                        download = gr.DownloadButton("Download CSV", visible=False, size="sm",
                                                     elem_id="download-csv")
                    with gr.Tab("Email preview", id="email"):
                        email = gr.HTML(visible=False, elem_id="email-preview")
                    with gr.Tab("Campaigns", id="campaigns") as campaigns_tab:
                        campaigns = build_campaign_tab()

        outputs = [chat, box, session, result_tabs, title, table, download, plot, email,
                   *campaigns.outputs]
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chat, session], outputs, show_progress="hidden")
        new.click(new_chat, None, [chat, session, title, table, download, plot, email])
        demo.load(restore, [session], [chat, session])
        demo.load(lambda: status_html(service.model_choice, get_warehouse()), None, status)
        demo.load(latest, None, campaigns.outputs)
        # a table filled while its tab was hidden renders no rows: refill it when shown
        campaigns_tab.select(show, [campaigns.picker], campaigns.outputs)
    return demo


def serve(settings: Settings | None = None) -> None:
    """Start the UI; a non-local address needs a username and password in settings."""
    settings = settings or get_settings()
    auth = None
    if settings.ui_host not in LOCAL_HOSTS:
        if not (settings.ui_username and settings.ui_password):
            raise SystemExit(f"Refusing to serve on {settings.ui_host} without a login: set "
                             "CYMBAL_UI_USERNAME and CYMBAL_UI_PASSWORD (or bind to 127.0.0.1).")
        auth = (settings.ui_username, settings.ui_password)
    build_app(settings=settings).queue(default_concurrency_limit=8).launch(
        server_name=settings.ui_host, server_port=settings.ui_port, auth=auth,
        css_paths=[CSS_PATH], theme=gr.themes.Soft(primary_hue="blue"), show_error=True,
        footer_links=[])


if __name__ == "__main__":
    serve()
