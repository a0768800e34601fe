"""Gemini access for generation tasks (sentiment, personas, emails): one configured client,
retries on 429 and 5xx with backoff, a timeout, and JSON output validated against a schema.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

import httpx
from google import genai
from google.genai import errors, types
from pydantic import BaseModel, ValidationError

from config.settings import Settings, get_settings

T = TypeVar("T", bound=BaseModel)
RETRY_STATUS = [408, 429, 500, 502, 503, 504]


class ModelError(RuntimeError):
    """A model call failed; ``code`` is auth, rate_limited, server, timeout, malformed,
    bad_request or not_configured, and the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def http_options(settings: Settings) -> types.HttpOptions:
    """Timeout, retry policy and (for tests) the base URL of every Gemini call."""
    return types.HttpOptions(
        base_url=settings.gemini_base_url,
        timeout=int(settings.model_timeout_s * 1000),
        retry_options=types.HttpRetryOptions(
            attempts=settings.model_max_retries + 1, initial_delay=0.5, max_delay=20.0,
            exp_base=2.0, jitter=0.5, http_status_codes=RETRY_STATUS),
    )


def genai_client(settings: Settings | None = None) -> genai.Client:
    """A google-genai client from settings: an API key, or Vertex AI project credentials."""
    settings = settings or get_settings()
    options = http_options(settings)
    if settings.google_api_key:
        return genai.Client(api_key=settings.google_api_key, http_options=options)
    if settings.use_vertex and settings.vertex_project:
        return genai.Client(vertexai=True, project=settings.vertex_project,
                            location=settings.vertex_location, http_options=options)
    raise ModelError("not_configured", "No Gemini credentials: set GOOGLE_API_KEY, or "
                     "GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT.")


def describe_error(err: Exception) -> ModelError:
    """Map a client exception to a ModelError with an actionable message."""
    if isinstance(err, ModelError):
        return err
    if isinstance(err, errors.APIError):
        code = getattr(err, "code", None) or 0
        if code in (401, 403):
            return ModelError("auth", f"Gemini rejected the credentials ({code}): check "
                              "GOOGLE_API_KEY or the Vertex AI project's permissions.")
        if code == 429:
            return ModelError("rate_limited", "Gemini is rate-limiting requests (429) even "
                              "after retries; wait a minute or lower CYMBAL_MODEL_CONCURRENCY.")
        if code >= 500:
            return ModelError("server", f"Gemini had a server error ({code}) after retries; "
                              "try again shortly.")
        return ModelError("bad_request", f"Gemini refused the request ({code}): "
                          f"{str(err)[:300]}")
    if isinstance(err, (httpx.TimeoutException, asyncio.TimeoutError, TimeoutError)):
        return ModelError("timeout", "Gemini did not answer within "
                          f"{get_settings().model_timeout_s:g}s (CYMBAL_MODEL_TIMEOUT_S).")
    if isinstance(err, httpx.TransportError):
        return ModelError("server", f"Cannot reach Gemini: {err}")
    return ModelError("server", f"Gemini call failed: {type(err).__name__}: {err}")


async def agenerate_json(prompt: str | list[types.Part], schema: type[T], *,
                         system: str | None = None, settings: Settings | None = None,
                         client: genai.Client | None = None, attempts: int = 3) -> T:
    """Ask Gemini for JSON matching ``schema``; malformed output is retried, then refused."""
    settings = settings or get_settings()
    client = client or genai_client(settings)
    config = types.GenerateContentConfig(
        system_instruction=system, temperature=0.2, response_mime_type="application/json",
        response_schema=schema)
    last = ""
    for _ in range(max(1, attempts)):
        try:
            response = await client.aio.models.generate_content(
                model=settings.gemini_model, contents=prompt, config=config)
        except Exception as err:  # noqa: BLE001 - every failure becomes a ModelError
            raise describe_error(err) from err
        last = response.text or ""
        try:
            return schema.model_validate_json(last)
        except ValidationError:
            continue
    raise ModelError("malformed", f"Gemini returned output that does not match "
                     f"{schema.__name__} after {attempts} attempts: {last[:200]!r}")
