"""Which model answers: Gemini, any LiteLLM model, or the offline model.

``CYMBAL_MODEL=auto`` (the default) picks Gemini when credentials exist and the offline
model otherwise; ``ModelChoice.reason`` says why, in words the CLI and UI show. Deciding
needs only settings, so every layer may ask (the email writer does); building the model
object is the agent's job (``agent.models.build_model``).
"""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Settings

LITELLM_PREFIX = "litellm/"


@dataclass(frozen=True)
class ModelChoice:
    kind: str  # gemini | litellm | offline
    name: str
    reason: str

    @property
    def label(self) -> str:
        if self.kind == "offline":
            return "Built-in offline model"
        return {"gemini": "Gemini", "litellm": "LiteLLM"}[self.kind] + f" ({self.name})"


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
