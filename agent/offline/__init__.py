"""The offline model: a deterministic ADK ``BaseLlm`` that needs no network."""

from agent.offline.llm import OfflineLlm

__all__ = ["OfflineLlm"]
