"""The ADK model object the agent runs on: Gemini, any LiteLLM model, or the offline model.

Which one is decided from settings by ``config.model_choice.choose_model``.
"""

from __future__ import annotations

from google.adk.models.base_llm import BaseLlm
from google.genai import types

from config.genai import RETRY_STATUS
from config.model_choice import choose_model
from config.settings import Settings


def build_model(settings: Settings) -> BaseLlm:
    """The ADK model object for the current settings."""
    choice = choose_model(settings)
    if choice.kind == "offline":
        from agent.offline import OfflineLlm

        return OfflineLlm(model="offline")
    if choice.kind == "litellm":
        try:
            from google.adk.models.lite_llm import LiteLlm
        except ImportError as err:  # the optional extra is not installed
            raise RuntimeError("LiteLLM models need the extra: pip install "
                               "'cymbal-marketing-agent[litellm]'") from err
        return LiteLlm(model=choice.name, timeout=settings.model_timeout_s,
                       num_retries=settings.model_max_retries)
    from google.adk.models.google_llm import Gemini

    client_kwargs: dict[str, object] = {
        "http_options": types.HttpOptions(timeout=int(settings.model_timeout_s * 1000))}
    if settings.google_api_key:
        client_kwargs["api_key"] = settings.google_api_key
    elif settings.use_vertex:
        client_kwargs.update(vertexai=True, project=settings.vertex_project,
                             location=settings.vertex_location)
    return Gemini(
        model=choice.name,
        base_url=settings.gemini_base_url,
        client_kwargs=client_kwargs,
        retry_options=types.HttpRetryOptions(
            attempts=settings.model_max_retries + 1, initial_delay=0.5, max_delay=20.0,
            exp_base=2.0, jitter=0.5, http_status_codes=RETRY_STATUS),
    )
