"""The Cymbal marketing agent's chat UI (Gradio).

``python app.py`` (or ``cymbal ui``) serves it on 127.0.0.1:7860 by default. Each browser
keeps its conversation id in local storage; conversations are ADK sessions stored under the
data folder, so a reload or a server restart shows the same history.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr
import yaml

from agent.runner import ChatService
from config.settings import PROJECT_ROOT, Settings, get_settings
from tools.warehouse import get_warehouse
from ui.campaign_tab import build_campaign_tab, latest, show
from ui.chat import ChatHandler, ChatOutputs, send_button
from ui.model_notice import welcome
from ui.status import status_html

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
CSS_PATH = PROJECT_ROOT / "ui" / "style.css"


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
    handler = ChatHandler(service, settings.data_dir / "exports" / "ui")

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
                                  placeholder=welcome(service.model_choice, service.settings))
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about customers, reviews, segments, "
                                     "campaigns… / 무엇이든 물어보세요", show_label=False,
                                     scale=8, autofocus=True, elem_id="question",
                                     max_lines=6)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                examples = gr.Examples(example_questions(), inputs=box, label="Examples")
                new = gr.Button("＋ New chat", size="sm", elem_id="new-chat")
            with gr.Column(scale=2, min_width=360):
                with gr.Tabs() as result_tabs:
                    with gr.Tab("Result", id="result"):
                        title = gr.Markdown("Tables, charts and downloads from your questions "
                                            "appear here.", elem_id="result-title")
                        plot = gr.Plot(visible=False, show_label=False, elem_id="result-chart")
                        reviews = gr.HTML(visible=False, elem_id="result-reviews")
                        customer = gr.HTML(visible=False, elem_id="result-customer")
                        table = gr.Dataframe(visible=False, interactive=False, wrap=True,
                                             max_height=420, elem_id="result-table",
                                             show_search="search", pinned_columns=1)
                        table_style = gr.HTML("", elem_id="result-table-style")
                        download = gr.DownloadButton("Download CSV", visible=False, size="sm",
                                                     elem_id="download-csv")
                    with gr.Tab("Email preview", id="email"):
                        email = gr.HTML(visible=False, elem_id="email-preview")
                    with gr.Tab("Campaigns", id="campaigns") as campaigns_tab:
                        campaigns = build_campaign_tab()

        out = ChatOutputs(chat=chat, box=box, send=send, session=session, tabs=result_tabs,
                          title=title, table=table, table_style=table_style, reviews=reviews,
                          customer=customer, download=download, plot=plot, email=email,
                          campaign=campaigns.outputs)

        async def respond(message: str, history: list[Any], session_id: str,
                          request: gr.Request) -> AsyncIterator[dict[Any, Any]]:
            async for view in handler.respond(message, history, session_id, request):
                yield view.updates(out)

        async def restore(session_id: str) -> dict[Any, Any]:
            return (await handler.restore(session_id)).updates(out)

        async def ask_follow_up(history: list[Any], session_id: str, request: gr.Request,
                                chosen: gr.SelectData) -> AsyncIterator[dict[Any, Any]]:
            async for view in handler.respond(str(chosen.value), history, session_id,
                                              request):
                yield view.updates(out)

        # Enter and Send are one event, so neither starts a turn while the other's runs; an
        # example chip asks its question, like typing it and pressing Send; so does a
        # follow-up chip under an answer
        turns = [gr.on([box.submit, send.click], respond, [box, chat, session], out.all(),
                       show_progress="hidden"),
                 examples.load_input_event.then(respond, [box, chat, session], out.all(),
                                                show_progress="hidden"),
                 chat.option_select(ask_follow_up, [chat, session], out.all(),
                                    show_progress="hidden")]
        for turn in turns:  # ended, failed or not: Send is free again
            turn.then(lambda: send_button(busy=False), None, send, show_progress="hidden")
        # "New chat" stops showing an answer still streaming (the turn itself finishes and is
        # stored in its own conversation): otherwise it would stream into the new chat
        new.click(lambda: handler.new_chat().updates(out), None, out.all(), cancels=turns)
        demo.load(restore, [session], out.all())
        demo.load(lambda: status_html(service.model_choice, get_warehouse()), None, status)
        demo.load(latest, None, campaigns.outputs)
        # a table filled while its tab was hidden renders no rows: refill it when shown
        campaigns_tab.select(show, [campaigns.picker], campaigns.outputs)
    return demo


def log_to_stderr() -> None:
    """The app's own log lines (campaigns drafted, exported — with their folder on the
    server —, sent) on stderr; customer addresses never reach them."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("agent", "tools", "ui"):
        logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger(name).addHandler(handler)


def serve(settings: Settings | None = None) -> None:
    """Start the UI; a non-local address needs a username and password in settings."""
    settings = settings or get_settings()
    log_to_stderr()
    if settings.ui_host not in LOCAL_HOSTS and not settings.ui_logins:
        raise SystemExit(f"Refusing to serve on {settings.ui_host} without a login: set "
                         "CYMBAL_UI_USERNAME and CYMBAL_UI_PASSWORD (or bind to 127.0.0.1).")
    build_app(settings=settings).queue(default_concurrency_limit=8).launch(
        server_name=settings.ui_host, server_port=settings.ui_port,
        auth=settings.ui_logins or None,
        css_paths=[CSS_PATH], theme=gr.themes.Soft(primary_hue="blue"), show_error=True,
        footer_links=[])


if __name__ == "__main__":
    serve()
