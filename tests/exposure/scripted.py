"""The root agent (its real callbacks and tools) driven by a scripted model through the real
ADK runner, with sessions in SQLite like the app's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import Runner
from google.genai import types

from agent.agent import build_root_agent
from agent.conversation import ToolCallRecord
from agent.runner import APP_NAME, DEFAULT_USER, sqlite_sessions
from config.settings import Settings

Call = tuple[str, dict[str, Any]]


class ScriptedLlm(BaseLlm):
    """Calls the scripted tools one after another, then answers with ``answer``."""

    model: str = "scripted"
    script: list[Call] = []
    answer: str = "Done."

    async def generate_content_async(self, llm_request: LlmRequest,
                                     stream: bool = False) -> AsyncGenerator[LlmResponse, None]:
        done = 0
        for content in llm_request.contents:
            for part in content.parts or []:
                if part.text and content.role == "user":
                    done = 0  # a new turn
                elif part.function_response is not None:
                    done += 1
        if done < len(self.script):
            name, args = self.script[done]
            part = types.Part(function_call=types.FunctionCall(name=name, args=args))
        else:
            part = types.Part(text=self.answer)
        yield LlmResponse(content=types.Content(role="model", parts=[part]))


def run_turn(settings: Settings, message: str, script: list[Call], answer: str = "Done.",
             session_id: str = "scripted") -> tuple[list[ToolCallRecord], str]:
    """One turn of the root agent (its real callbacks and tools) on a scripted model, with
    sessions in SQLite like the app's; the tool results and the answer as ADK recorded them."""
    runner = Runner(agent=build_root_agent(ScriptedLlm(script=script, answer=answer)),
                    app_name=APP_NAME, auto_create_session=True,
                    session_service=sqlite_sessions(settings.data_dir / "sessions.db"))

    async def go() -> tuple[list[ToolCallRecord], str]:
        results, texts = [], []
        async for event in runner.run_async(
                user_id=DEFAULT_USER, session_id=session_id,
                new_message=types.Content(role="user", parts=[types.Part(text=message)])):
            for part in (event.content.parts if event.content else None) or []:
                if part.function_response is not None:
                    record = ToolCallRecord(name=part.function_response.name or "", args={})
                    record.finish(part.function_response.response, timed=False)
                    results.append(record)
                elif part.text and event.author != "user":
                    texts.append(part.text)
        return results, "".join(texts)
    return asyncio.run(go())
