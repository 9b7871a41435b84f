"""Bad submissions get a precise, actionable reason, are stored with it, and touch nothing else."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tiltyard
from tiltyard.submissions import history, submit_file


def write(tmp_path, frame: pd.DataFrame, name="submission.csv") -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def credit(home):
    return tiltyard.load("credit-risk-v1")


@pytest.fixture
def houses(home):
    return tiltyard.load("house-prices-v1")


def rejected(challenge_id, path, code):
    report = submit_file(challenge_id, path)
    assert report.status == "rejected", report
    assert report.error.code == code, report.error
    return report.error


def test_a_good_file_is_graded(credit, tmp_path):
    report = submit_file(credit.id, write(tmp_path, credit.sample_submission))
    assert report.status == "graded"
    assert report.public_score == pytest.approx(0.5)  # a constant ranks nothing


def test_missing_id_column_suggests_the_close_name(credit, tmp_path):
    frame = credit.sample_submission.rename(columns={"applicant_id": "applicantid"})
    error = rejected(credit.id, write(tmp_path, frame), "missing_id_column")
    assert "applicant_id" in error.message and "applicantid" in error.hint


def test_wrong_prediction_column(credit, tmp_path):
    frame = credit.sample_submission.rename(columns={"Status": "prediction"})
    error = rejected(credit.id, write(tmp_path, frame), "missing_prediction_column")
    assert "'Status'" in error.message and "prediction" in error.got


def test_duplicate_ids_are_named(credit, tmp_path):
    frame = credit.sample_submission
    frame = pd.concat([frame, frame.iloc[[3, 7]]])
    error = rejected(credit.id, write(tmp_path, frame), "duplicate_ids")
    assert "2 ids appear more than once" in error.message
    assert str(int(frame["applicant_id"].iloc[3])) in error.got


def test_missing_ids_are_counted_and_shown(credit, tmp_path):
    frame = credit.sample_submission.iloc[10:]
    error = rejected(credit.id, write(tmp_path, frame), "missing_ids")
    assert "10 test ids are missing" in error.message
    assert str(credit.sample_submission["applicant_id"].min()) in error.message or "…" in error.message


def test_extra_ids_are_counted(credit, tmp_path):
    frame = credit.sample_submission.copy()
    frame.loc[0, "applicant_id"] = 999_999
    error = rejected(credit.id, write(tmp_path, frame), "missing_ids")
    assert "1 ids are not in the test set (999999)" in error.message


def test_nan_and_infinite_values_name_the_lines(credit, tmp_path):
    frame = credit.sample_submission.copy()
    frame.loc[4, "Status"] = np.inf
    error = rejected(credit.id, write(tmp_path, frame), "non_finite")
    assert "lines 6" in error.got  # row 4 is line 6 of the file: header, then rows from 0
    frame = credit.sample_submission.copy()
    frame.loc[2, "Status"] = np.nan
    error = rejected(credit.id, write(tmp_path, frame), "non_finite")
    assert "1 empty values" in error.message


def test_probabilities_outside_unit_interval(credit, tmp_path):
    frame = credit.sample_submission.copy()
    frame["Status"] = np.linspace(-1, 2, len(frame))
    error = rejected(credit.id, write(tmp_path, frame), "probability_out_of_range")
    assert "predict_proba" in error.hint


def test_text_where_numbers_are_expected(credit, tmp_path):
    frame = credit.sample_submission.copy()
    frame["Status"] = frame["Status"].astype(object)
    frame.loc[1, "Status"] = "bad"
    error = rejected(credit.id, write(tmp_path, frame), "wrong_type")
    assert "'bad'" in error.got and "line" in error.got


def test_non_integer_ids(credit, tmp_path):
    frame = credit.sample_submission.copy()
    frame["applicant_id"] = "app-" + frame["applicant_id"].astype(str)
    error = rejected(credit.id, write(tmp_path, frame), "wrong_id_type")
    assert "app-" in error.got


def test_labels_not_among_classes(titanic, tmp_path):
    frame = titanic.sample_submission.copy()
    frame.loc[:2, "survived"] = "maybe"
    error = rejected(titanic.id, write(tmp_path, frame), "unknown_labels")
    assert "'maybe' ×3" in error.got and "['no', 'yes']" in error.expected


def test_empty_file_and_header_only(titanic, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    rejected(titanic.id, empty, "empty_file")
    header = tmp_path / "header.csv"
    header.write_text("passenger_id,survived\n")
    error = rejected(titanic.id, header, "empty_file")
    assert "393 rows" in error.expected


def test_malformed_csv(titanic, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('passenger_id,survived\n1,no\n8,no,extra,fields\n"unterminated\n')
    error = rejected(titanic.id, path, "malformed_file")
    assert "CSV" in error.message


def test_a_header_that_is_not_utf8_is_a_malformed_file(titanic, tmp_path):
    path = tmp_path / "binary.csv"  # random bytes that Arrow reads as one column's header
    path.write_bytes(bytes.fromhex("2de6c2065b859934ea8b992f4ca15c67") + b"\n1\n")
    error = rejected(titanic.id, path, "malformed_file")
    assert "UTF-8" in error.message and "0xe6" in error.got


def test_too_large_file_is_refused_but_recorded(titanic, tmp_path, monkeypatch):
    from tiltyard.config import get_settings

    monkeypatch.setenv("TILTYARD_MAX_SUBMISSION_MB", "0.001")
    get_settings.cache_clear()
    error = rejected(titanic.id, write(tmp_path, titanic.sample_submission), "file_too_large")
    assert "MB" in error.got
    row = history(titanic.id)[-1]
    assert row.status == "rejected" and row.stored_path == ""  # not copied, reason kept


def test_negative_prices_are_out_of_domain_for_rmsle(houses, tmp_path):
    frame = houses.sample_submission.copy()
    frame.loc[0, "Sale_Price"] = -5
    error = rejected(houses.id, write(tmp_path, frame), "out_of_domain")
    assert "Clip" in error.hint


def test_rows_in_any_order_and_integral_floats_are_accepted(titanic, tmp_path):
    frame = titanic.sample_submission.sample(frac=1.0, random_state=1)
    assert submit_file(titanic.id, write(tmp_path, frame)).status == "graded"


def test_parquet_submissions_are_accepted(credit, tmp_path):
    path = tmp_path / "submission.parquet"
    credit.sample_submission.to_parquet(path)
    assert submit_file(credit.id, path).status == "graded"


def test_a_rejected_file_is_stored_and_earlier_submissions_untouched(store_home, titanic, tmp_path):
    good = submit_file(titanic.id, write(tmp_path, titanic.sample_submission, "good.csv"))
    before = [(r.id, r.status, r.public_score) for r in history(titanic.id)]
    bad = titanic.sample_submission.iloc[:5]
    report = submit_file(titanic.id, write(tmp_path, bad, "bad.csv"))
    rows = history(titanic.id)
    assert [(r.id, r.status, r.public_score) for r in rows[:-1]] == before
    assert rows[-1].status == "rejected" and rows[-1].error_code == "missing_ids"
    from pathlib import Path

    assert Path(rows[-1].stored_path).read_bytes() == (tmp_path / "bad.csv").read_bytes()
    assert good.submission_id != report.submission_id


def test_unknown_challenge_suggests_the_closest(home, tmp_path):
    from tiltyard.errors import ChallengeNotFound

    with pytest.raises(ChallengeNotFound, match="Did you mean 'titanic-v1'"):
        tiltyard.load("titanic-v2")
