"""What an empty chat says first: which model answers, in plain words.

When the built-in offline model answers, the empty chat says so once, before the first
question: that no model credentials are configured (or that settings chose the offline
model), what the offline model can answer, and how to connect Gemini — in English and
Korean. The status line keeps naming the model; this is where it is explained.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.model_choice import ModelChoice
from config.settings import Settings

START = "**Ask a question to get started.** Try one of the examples below."
CAN_ANSWER = (
    "**It answers** counts, totals, averages, shares and rankings of your customers, orders, "
    "products and reviews — by city, segment, category, product or month, with filters and "
    "periods; finds reviews by meaning; looks up segments and customers; drafts emails and "
    "campaigns from templates. Other questions it declines, offering the closest ones it can "
    "answer.")
CAN_ANSWER_KO = (
    "**답할 수 있는 질문:** 고객·주문·상품·리뷰의 건수, 합계, 평균, 비중, 순위(도시·세그먼트·"
    "카테고리·상품·월별, 조건과 기간 포함), 의미 기반 리뷰 검색, 세그먼트·고객 조회, 템플릿으로 "
    "쓰는 이메일과 캠페인. 그 밖의 질문에는 답할 수 있는 가장 가까운 질문을 제안합니다.")
CREDENTIALS = ("`GOOGLE_API_KEY` (for Vertex AI: `GOOGLE_GENAI_USE_VERTEXAI=true` and "
               "`GOOGLE_CLOUD_PROJECT`)")


@dataclass(frozen=True)
class ModelNotice:
    headline: str
    english: str
    korean: str

    def markdown(self) -> str:
        """The notice as Markdown in a box (``.model-notice`` in ``ui/style.css``)."""
        return (f'<div class="model-notice">\n\n#### ⓘ {self.headline}\n\n{self.english}\n\n'
                f"{self.korean}\n\n</div>")


def model_notice(choice: ModelChoice, settings: Settings) -> ModelNotice | None:
    """The notice for ``choice``; None when Gemini or a LiteLLM model answers."""
    if choice.kind != "offline":
        return None
    if settings.has_gemini_credentials:  # credentials exist: settings chose the offline model
        return ModelNotice(
            "The built-in offline model answers: CYMBAL_MODEL=offline is set · 설정에 따라 "
            "내장 오프라인 모델이 답합니다",
            f"{CAN_ANSWER} **To use Gemini** (its credentials are configured), set "
            "`CYMBAL_MODEL=auto` and restart the app.",
            f"{CAN_ANSWER_KO} **Gemini 사용:** 인증 정보가 설정되어 있으니 `CYMBAL_MODEL=auto`로 "
            "바꾸고 앱을 다시 시작하세요.")
    chosen = settings.model.strip() == "offline"  # rather than "auto" finding no credentials
    return ModelNotice(
        "No model credentials are configured, so the built-in offline model answers · 모델 "
        "인증 정보가 없어 내장 오프라인 모델이 답합니다",
        f"{CAN_ANSWER} **To connect Gemini**, set {CREDENTIALS} in the environment or in a "
        "`.env` file where you start the app"
        + (", set `CYMBAL_MODEL=auto` (it is `offline` now)" if chosen else "")
        + ", and restart the app.",
        f"{CAN_ANSWER_KO} **Gemini 연결:** 환경 변수나 `.env` 파일에 `GOOGLE_API_KEY`를 "
        + ("설정하고 `CYMBAL_MODEL=auto`로 바꾼 뒤 " if chosen else "설정하고 ")
        + "앱을 다시 시작하세요.")


def welcome(choice: ModelChoice, settings: Settings) -> str:
    """The empty chat's text: the model notice when there is one, then how to start."""
    notice = model_notice(choice, settings)
    return f"{notice.markdown()}\n\n{START}" if notice else START
