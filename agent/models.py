"""Which model the agent runs on: Gemini, any LiteLLM model, or the offline model.

``CYMBAL_MODEL=auto`` (the default) picks Gemini when credentials exist and the offline
model otherwise; ``describe_model`` says which, in words the CLI and UI show.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.adk.models.base_llm import BaseLlm
from google.genai import types

from agent.genai import RETRY_STATUS
from agent.settings import Settings

LITELLM_PREFIX = "litellm/"


@dataclass(frozen=True)
class ModelChoice:
    kind: str  # gemini | litellm | offline
    name: str
    reason: str

    @property
    def label(self) -> str:
        return {"gemini": "Gemini", "litellm": "LiteLLM", "offline": "Offline"}[self.kind] + \
            f" ({self.name})"


def choose_model(settings: Settings) -> ModelChoice:
    """Decide the model from settings without building it."""
    wanted = settings.model.strip()
    if wanted in ("", "auto"):
        if settings.has_gemini_credentials:
            return ModelChoice("gemini", settings.gemini_model, "Gemini credentials found")
        return ModelChoice("offline", "offline", "no Gemini credentials (GOOGLE_API_KEY or "
                           "Vertex AI) were found, so the built-in offline model answers")
    if wanted == "offline":
        return ModelChoice("offline", "offline", "chosen in settings")
    if wanted.startswith(LITELLM_PREFIX):
        return ModelChoice("litellm", wanted[len(LITELLM_PREFIX):], "chosen in settings")
    return ModelChoice("gemini", wanted, "chosen in settings")


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
