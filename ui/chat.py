"""The chat handler: one turn through the ``ChatService``, streamed into the chat.

Each update is a ``ChatView`` — the messages, the conversation id and, when the turn ends,
the result panel and the campaign it touched — which ``ChatView.updates`` maps onto the
named components of ``ChatOutputs``. Gradio leaves every component not in that mapping as it
is, so nothing is padded with placeholders.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from agent.conversation import ToolCallRecord
from agent.runner import ChatService
from tools.campaigns.tools import APP_ACTOR
from tools.registry import CAMPAIGN_TOOLS
from tools.results import CampaignRef
from ui.campaign_tab import actor, show
from ui.messages import history_messages, tool_message, with_follow_ups
from ui.results import ResultPanel, result_panel
from ui.table_view import header_css

CAMPAIGN_TOOL_NAMES = frozenset(tool.__name__ for tool in CAMPAIGN_TOOLS)
STREAM_UPDATE_S = 0.1  # shortest time between two updates of a streaming answer


@dataclass
class ChatOutputs:
    """The components a chat turn may change, by name."""

    chat: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    session: gr.BrowserState
    tabs: gr.Tabs
    title: gr.Markdown
    table: gr.Dataframe
    table_style: gr.HTML
    reviews: gr.HTML
    customer: gr.HTML
    download: gr.DownloadButton
    plot: gr.Plot
    email: gr.HTML
    campaign: list[gr.components.Component]

    def all(self) -> list[Any]:
        return [self.chat, self.box, self.send, self.session, self.tabs, self.title, self.table,
                self.table_style, self.reviews, self.customer, self.download, self.plot,
                self.email, *self.campaign]


@dataclass
class ChatView:
    """One state of the chat: what to show now; ``None`` leaves a part as it is."""

    chat: list[Any]
    session_id: str
    clear_box: bool = False  # only the turn's first view empties the box: what the user
    # types while an answer streams is the next question, kept for Send
    busy: bool | None = None  # a turn began (Send waits for it) or the chat is free again
    panel: ResultPanel | None = None  # set when a turn ends, or emptied by "New chat"
    campaign: tuple[Any, ...] | None = None  # the Campaigns tab's values for the campaign

    def updates(self, out: ChatOutputs) -> dict[Any, Any]:
        changes: dict[Any, Any] = {out.chat: self.chat, out.session: self.session_id}
        if self.clear_box:
            changes[out.box] = ""
        if self.busy is not None:
            changes[out.send] = send_button(busy=self.busy)
        panel = self.panel
        if panel is not None:
            # bring forward what the answer produced: a draft's preview, else its result
            shown_tab = ("email" if panel.email_html is not None else
                         "result" if panel.table is not None or panel.figure is not None
                         or panel.reviews_html is not None
                         or panel.customer_html is not None else None)
            if shown_tab:
                changes[out.tabs] = gr.Tabs(selected=shown_tab)
            view = panel.table
            changes.update({
                out.title: gr.update(value=f"**{panel.title}**" if panel.title else ""),
                out.table: (gr.update(value=view.styler, column_widths=view.widths,
                                      datatype=view.datatypes, visible=True)
                            if view is not None else gr.update(visible=False)),
                out.table_style: header_css(view, out.table.elem_id) if view else "",
                out.reviews: gr.update(value=panel.reviews_html or "",
                                       visible=panel.reviews_html is not None),
                out.customer: gr.update(value=panel.customer_html or "",
                                        visible=panel.customer_html is not None),
                out.download: gr.update(value=panel.csv_path,
                                        visible=panel.csv_path is not None),
                out.plot: gr.update(value=panel.figure, visible=panel.figure is not None),
                out.email: gr.update(value=panel.email_html or "",
                                     visible=panel.email_html is not None),
            })
        if self.campaign is not None:
            changes.update(zip(out.campaign, self.campaign, strict=True))
        return changes


def send_button(*, busy: bool) -> gr.Button:
    """Send, or a disabled "Answering…" while a turn runs: the app answers one question of a
    chat at a time, and a Send pressed meanwhile would be dropped, so it waits visibly (what
    is typed in the box stays there)."""
    return gr.Button(value="Answering…" if busy else "Send", interactive=not busy)


def _campaign_view(calls: list[ToolCallRecord]) -> tuple[Any, ...] | None:
    """The Campaigns tab for the last campaign the turn's tools named, if any touched one."""
    touched = [CampaignRef.parse(c.response) for c in calls if c.name in CAMPAIGN_TOOL_NAMES]
    named = [ref.campaign_id for ref in touched if ref is not None]
    if not named:
        return None
    return show(next((i for i in reversed(named) if i), None))


def _is_answer(message: Any) -> bool:
    """A model's text reply (not the user's message, not a tool's box)."""
    return isinstance(message, gr.ChatMessage) and message.role == "assistant" \
        and not (message.metadata or {}).get("title")


class ChatHandler:
    """Turns, restores and new conversations for one ``ChatService``."""

    def __init__(self, service: ChatService, export_dir: Path) -> None:
        self.service = service
        self.export_dir = export_dir

    async def respond(self, message: str, chat: list[Any], session_id: str,
                      request: gr.Request) -> AsyncIterator[ChatView]:
        if not message.strip():  # an empty Send: no bubble, no turn
            yield ChatView(chat, session_id, clear_box=True)
            return
        session_id = session_id or self.service.new_session_id()
        chat = [*chat, gr.ChatMessage(role="user", content=message)]
        yield ChatView(chat, session_id, clear_box=True, busy=True)
        calls: list[ToolCallRecord] = []
        answer = ""
        shown_at = 0.0
        # the campaign tools learn who acts, and leave approving and sending to the tab
        async for event in self.service.stream(message, session_id,
                                               state={APP_ACTOR: actor(request)}):
            if event.kind in ("tool_call", "tool_result") and event.tool is not None:
                box = tool_message(event.tool)
                index = next((i for i, m in enumerate(chat) if isinstance(m, gr.ChatMessage)
                              and (m.metadata or {}).get("id") == box.metadata["id"]), None)
                if index is None:
                    calls.append(event.tool)
                    chat = [*chat, box]
                else:
                    chat = [*chat[:index], box, *chat[index + 1:]]
                yield ChatView(chat, session_id)
            elif event.kind == "delta":
                if not answer:
                    chat = [*chat, gr.ChatMessage(role="assistant", content="")]
                answer += event.text
                chat = [*chat[:-1], gr.ChatMessage(role="assistant", content=answer)]
                # the browser gets the growing answer a few times a second, not every piece:
                # each update re-renders the chat; the last pieces go out with the next yield
                if time.monotonic() - shown_at >= STREAM_UPDATE_S:
                    shown_at = time.monotonic()
                    yield ChatView(chat, session_id)
            elif event.kind == "text":
                # the complete message replaces its streamed pieces: it is what the session
                # keeps, masked as a whole (an address split across two pieces is not)
                kept = chat[:-1] if answer else chat
                chat = [*kept, gr.ChatMessage(role="assistant", content=event.text)]
                yield ChatView(chat, session_id)
                answer = ""
        panel = result_panel(message, calls, self.export_dir, uuid.uuid4().hex[:6])
        yield ChatView(chat, session_id, panel=panel, campaign=_campaign_view(calls))
        # then what to ask next, as chips under the answer (the decline's suggestions too)
        offered = await self.service.follow_ups(session_id)
        if offered and _is_answer(chat[-1]):
            chat = [*chat[:-1], with_follow_ups(chat[-1], offered)]
            yield ChatView(chat, session_id)

    async def restore(self, session_id: str) -> ChatView:
        """The stored conversation of this browser (a new id when it has none)."""
        if not session_id:
            return ChatView([], self.service.new_session_id())
        history = history_messages(await self.service.history(session_id))
        return ChatView(history, session_id)

    def new_chat(self) -> ChatView:
        return ChatView([], self.service.new_session_id(), busy=False, panel=ResultPanel())
