"""The root agent: one ADK ``LlmAgent`` with every Cymbal tool.

``adk web``, ``adk run`` and ``adk eval`` load ``root_agent`` from here.
"""

from __future__ import annotations

from google.adk.agents import LlmAgent

from agent.callbacks import (
    check_tool_args,
    limit_model_calls,
    mask_answer,
    mask_tool_result,
    model_error_as_answer,
    tool_error_as_data,
)
from agent.models import build_model
from config.prompts import load_prompt
from config.settings import get_settings
from tools.registry import agent_tools


def build_root_agent(model: object | None = None) -> LlmAgent:
    """A root agent on ``model`` (default: the model chosen by settings)."""
    return LlmAgent(
        name="cymbal_marketing_agent",
        model=model if model is not None else build_model(get_settings()),
        description="Answers Cymbal E-Commerce marketers' questions about customers, products, "
                    "reviews and segments, and drafts retention campaigns.",
        instruction=load_prompt("root_agent"),
        tools=agent_tools(),
        before_model_callback=limit_model_calls,
        after_model_callback=mask_answer,
        on_model_error_callback=model_error_as_answer,
        before_tool_callback=check_tool_args,
        after_tool_callback=mask_tool_result,
        on_tool_error_callback=tool_error_as_data,
    )


root_agent = build_root_agent()
