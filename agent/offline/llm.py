"""``OfflineLlm``: plans tool calls and writes answers without any network access.

ADK drives it like any model: each call receives the conversation so far and returns
either a function call (which ADK runs as a tool) or the final text. The planning
itself lives in ``agent.offline.planner``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.models.registry import LLMRegistry
from google.genai import types

from agent.conversation import read_turns
from agent.offline.planner import Answer, ToolCall, plan_next_step
from tools.sql.value_labels import plain_words
from tools.vocabulary.language import language_of


class OfflineLlm(BaseLlm):
    """A deterministic model: retrieval over the knowledge base plus slot filling."""

    model: str = "offline"

    @classmethod
    def supported_models(cls) -> list[str]:
        return [r"offline(-.*)?"]

    async def generate_content_async(self, llm_request: LlmRequest,
                                     stream: bool = False) -> AsyncGenerator[LlmResponse, None]:
        tools = set(llm_request.tools_dict)
        step = plan_next_step(llm_request.contents, available_tools=tools)
        if isinstance(step, ToolCall):
            part = types.Part(function_call=types.FunctionCall(name=step.name, args=step.args))
        else:
            # stored codes (segment ids, [Category]) never reach the marketer as such
            text = plain_words(step.text, _question_language(llm_request.contents))
            part = types.Part(text=text)
            if stream:  # word by word, as a streaming model would
                for piece in _pieces(text):
                    yield LlmResponse(content=types.Content(role="model",
                                                            parts=[types.Part(text=piece)]),
                                      partial=True)
        yield LlmResponse(content=types.Content(role="model", parts=[part]),
                          turn_complete=isinstance(step, Answer),
                          usage_metadata=_usage(llm_request, part))


def _question_language(contents: list[types.Content]) -> str:
    """The language of the user's last message."""
    turns = read_turns(contents)
    return language_of(turns[-1].text) if turns else "en"


def _pieces(text: str, words: int = 4) -> list[str]:
    tokens = text.split(" ")
    return [" ".join(tokens[i:i + words]) + (" " if i + words < len(tokens) else "")
            for i in range(0, len(tokens), words)]


def _usage(llm_request: LlmRequest, part: types.Part) -> types.GenerateContentResponseUsageMetadata:
    """Rough token counts (words), so telemetry and reports see the offline model's work."""
    prompt = sum(len(str(p.text or p.function_response or p.function_call or "").split())
                 for c in llm_request.contents for p in (c.parts or []))
    output = len(str(part.text or part.function_call or "").split())
    return types.GenerateContentResponseUsageMetadata(
        prompt_token_count=prompt, candidates_token_count=output, total_token_count=prompt + output)


LLMRegistry.register(OfflineLlm)
