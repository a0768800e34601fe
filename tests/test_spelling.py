"""The speller: typos read as the vocabulary word they stand for, real words left alone
(the real wordfreq lists and the real Korean analyser)."""

from __future__ import annotations

import pytest

from tools.sql.question_words import ends_in_noun, without_particles
from tools.vocabulary.spelling import Speller, jamo

VOCABULARY = ["members", "loyalty members", "drinkware", "incheon", "males", "category",
              "서울", "상품", "고객", "인천", "휴면 1회 구매 고객", "로열 고객", "로얄 고객",
              "주문하", "보여주", "매출", "취소", "별점"]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(VOCABULARY, known=["Jaylen"], stem=without_particles,
                   names_a_thing=ends_in_noun)


@pytest.mark.parametrize("written, read_as", [
    ("avg order value for loyalty membrs", "avg order value for loyalty members"),
    ("drinkwear stuff", "drinkware stuff"),
    ("customers in Incehon", "customers in Incheon"),
    ("서을 고객 평균 나이", "서울 고객 평균 나이"),
    ("품절된 상퓸 몇 개", "품절된 상품 몇 개"),
    ("인쳔에서 주문한 고객", "인천에서 주문한 고객"),  # the particle stays, the verb too
    ("휴먼 1회 구매 고객 중에", "휴면 1회 구매 고객 중에"),  # a real word, wrong in the phrase
    ("이번 달에 취쇼된 주문 몇 건", "이번 달에 취소된 주문 몇 건"),  # a noun made a verb: 취소 + 된
    ("인스타 리뷰 평균 볓점", "인스타 리뷰 평균 별점"),  # a slip in the first syllable
])
def test_typos_read_as_the_vocabulary_word(speller: Speller, written: str, read_as: str) -> None:
    spelled = speller.correct(written)
    assert spelled.text == read_as
    assert spelled.corrections and all(c.written != c.read_as for c in spelled.corrections)


@pytest.mark.parametrize("text", [
    "what makes customers happy",  # "makes" is a word, not a slip of "males"
    "sales by city",
    "Jaylen's orders",  # a known name
    "부산의 불만 로열 고객",  # a spelling the vocabulary has as written
    "배송 불만 리뷰 보여줘",  # never corrected into a verb's stem
    "불만 요인 알려줘",  # a real Korean word one letter from nothing in the vocabulary
])
def test_real_words_are_read_as_written(speller: Speller, text: str) -> None:
    spelled = speller.correct(text)
    assert spelled.text == text and spelled.corrections == ()


def test_two_equally_close_words_are_no_guess() -> None:
    speller = Speller(["reviews", "reviewed"])
    assert speller.correct("reviewes").corrections == ()


def test_of_equally_close_words_a_dropped_letter_is_likeliest() -> None:
    speller = Speller(["reviews", "reviewer", "return", "returns", "returned"])
    assert speller.correct("reviewr orders").text == "reviewer orders"
    assert speller.correct("returnd orders").text == "returned orders"


def test_a_slip_inside_a_syllable_is_one_letter() -> None:
    assert len(jamo("서울")) == 5 and sum(a != b for a, b in zip(jamo("서을"), jamo("서울"))) == 1
