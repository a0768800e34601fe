"""What the empty chat says about the model: which one answers and why, what the built-in
offline model can answer, how to connect Gemini — for each way settings can choose."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.model_choice import choose_model
from config.settings import Settings
from ui.model_notice import START, welcome

CREDENTIAL_VARIABLES = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CYMBAL_GOOGLE_API_KEY",
                        "GOOGLE_GENAI_USE_VERTEXAI", "CYMBAL_USE_VERTEX")


@pytest.fixture(autouse=True)
def no_credentials_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def settings(tmp_path: Path, **values: object) -> Settings:
    """Settings from ``values`` alone (no .env file)."""
    return Settings(_env_file=None, data_dir=tmp_path, **values)


def text_for(chosen: Settings) -> str:
    return welcome(choose_model(chosen), chosen)


def test_no_credentials_says_so_and_how_to_connect_gemini(tmp_path: Path) -> None:
    text = text_for(settings(tmp_path, model="auto"))
    assert "No model credentials are configured, so the built-in offline model answers" in text
    assert "It answers" in text and "답할 수 있는 질문" in text
    assert "GOOGLE_API_KEY" in text and "restart the app" in text and "Gemini 연결" in text
    assert "CYMBAL_MODEL" not in text and text.endswith(START)


def test_offline_chosen_without_credentials_also_says_to_set_auto(tmp_path: Path) -> None:
    text = text_for(settings(tmp_path, model="offline"))
    assert "No model credentials are configured" in text
    assert "`CYMBAL_MODEL=auto` (it is `offline` now)" in text


def test_offline_chosen_with_credentials_names_the_setting(tmp_path: Path) -> None:
    text = text_for(settings(tmp_path, model="offline", google_api_key="key"))
    assert "CYMBAL_MODEL=offline is set" in text and "No model credentials" not in text
    assert "set `CYMBAL_MODEL=auto`" in text


def test_gemini_needs_no_notice(tmp_path: Path) -> None:
    assert text_for(settings(tmp_path, model="auto", google_api_key="key")) == START
