"""The root agent: one ADK ``LlmAgent`` with every Cymbal tool.

``adk web``, ``adk run`` and ``adk eval`` load ``root_agent`` from here.
"""

from __future__ import annotations

from google.adk.agents import LlmAgent

from agent.models import build_model
from agent.prompts import load_prompt
from agent.settings import get_settings
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
    )


root_agent = build_root_agent()
