"""The lab's real files load with every quirk handled (skipped where the files are absent)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.lab_loader import LAB_FILES, LabDataError, load_lab_data
from pipeline.warehouse_writer import write_base_tables
from tools.warehouse.duckdb_backend import DuckDBWarehouse

LAB = Path(__file__).resolve().parents[2] / "shared" / "data" / "cymbal"
needs_lab = pytest.mark.skipif(not LAB.is_dir(), reason="lab data folder ../shared/data/cymbal absent")


@pytest.fixture(scope="module")
def lab():
    return load_lab_data(LAB)


@needs_lab
def test_real_files_counts(lab):
    assert lab.counts == {"customers": 10_000, "products": 1_268, "customer_reviews": 200,
                          "orders": 0}


@needs_lab
def test_quirks_are_handled(lab):
    reviews = lab.frames["customer_reviews"]
    # quoted newlines stay inside one review; CRLF is normalised
    assert not reviews["review_text"].str.contains("\r").any()
    assert reviews["customer_review_id"].is_unique
    # the 9 reviews about products missing from the catalog are kept and reported
    assert len(lab.orphan_reviews) == 9
    assert set(lab.orphan_reviews) <= set(reviews["customer_review_id"])
    assert any("missing" in note for note in lab.notes)
    customers = lab.frames["customers"]
    assert set(customers["loyalty_member"].unique()) == {True, False}
    assert customers["age"].between(18, 70).all()
    assert reviews["rating"].between(1, 5).all()


@needs_lab
def test_old_header_and_utc_suffix(tmp_path, lab):
    """The older upstream files used productId and ' UTC' timestamps."""
    old = LAB / "variants" / "upstream_f349640"
    shutil.copy(LAB / LAB_FILES["customers"], tmp_path / LAB_FILES["customers"])
    shutil.copy(old / "products_info.csv", tmp_path / "products_info.csv")
    shutil.copy(old / "customer_reviews.csv", tmp_path / "customer_reviews.csv")
    assert "productId" in (tmp_path / "products_info.csv").read_text(encoding="utf-8")[:200]
    assert " UTC" in (tmp_path / "customer_reviews.csv").read_text(encoding="utf-8")
    loaded = load_lab_data(tmp_path)
    current = lab.frames["customer_reviews"].sort_values("customer_review_id").reset_index(drop=True)
    older = loaded.frames["customer_reviews"].sort_values("customer_review_id").reset_index(drop=True)
    assert (older["review_datetime"] == current["review_datetime"]).all()
    assert (older["product_id"] == current["product_id"]).all()
    assert list(loaded.frames["products"]["product_id"]) == list(lab.frames["products"]["product_id"])


@needs_lab
def test_loaded_warehouse_answers_queries(tmp_path, lab):
    path = tmp_path / "lab.duckdb"
    write_base_tables(path, lab.frames, source="lab")
    wh = DuckDBWarehouse(path)
    joined = wh.run_query("SELECT COUNT(*) AS n FROM cymbal.customer_reviews r "
                          "JOIN cymbal.products p ON CAST(p.product_id AS INT64) = r.product_id")
    assert joined.rows == [[191]]
    loyal = wh.run_query("SELECT COUNTIF(loyalty_member) AS loyal FROM customers")
    assert loyal.rows == [[4_982]]


def test_crlf_quoted_newlines_and_bad_values(tmp_path):
    """A hand-made folder with the lab's quirks, so the loader is tested without the real files."""
    (tmp_path / "alchemy_data1.csv").write_text(
        "customer_id,first_name,last_name,email,gender,address_city,age,loyalty_member\r\n"
        "1001,Ann,Lee,ann.lee@example.com,Female,Seoul,31,True\r\n"
        "1002,Bo,Kim,bo.kim@example.com,Other,Busan,64,false\r\n", encoding="utf-8")
    (tmp_path / "products_info.csv").write_text(
        "id,title,uri,availability,categories,productId,price,average_rating,review_count\r\n"
        "SKU1,Google Tee,https://x/Tee,IN_STOCK,[Apparel],11,23400,4.5,12.0\r\n", encoding="utf-8")
    (tmp_path / "customer_reviews.csv").write_text(
        "customer_review_id,customer_id,location_id,review_datetime,review_text,"
        "social_media_source,social_media_handle,product_id,rating\r\n"
        '1,1001,5001,2025-05-04 16:43:48 UTC,"Line one.\r\nLine two, with a comma.",X,@XUser_1001_1,11,5\r\n'
        '2,1002,5002,2025-05-05 10:00:00,"Missing product",Blog,@BlogUser_1002_2,99,1', encoding="utf-8")
    loaded = load_lab_data(tmp_path)
    reviews = loaded.frames["customer_reviews"]
    assert reviews.loc[0, "review_text"] == "Line one.\nLine two, with a comma."
    assert str(reviews.loc[0, "review_datetime"]) == "2025-05-04 16:43:48"
    assert loaded.orphan_reviews == [2]
    assert list(loaded.frames["customers"]["loyalty_member"]) == [True, False]
    assert loaded.frames["products"].loc[0, "review_count"] == 12

    (tmp_path / "alchemy_data1.csv").write_text(
        "customer_id,first_name,last_name,email,gender,address_city,age,loyalty_member\n"
        "1001,Ann,Lee,ann.lee@example.com,Female,Seoul,thirty,True\n", encoding="utf-8")
    with pytest.raises(LabDataError, match="customers.age"):
        load_lab_data(tmp_path)


def test_not_a_lab_folder(tmp_path):
    with pytest.raises(LabDataError, match="missing alchemy_data1.csv"):
        load_lab_data(tmp_path)
