"""Bad input to the authoring flow: every refusal says what was expected, what came and what to
do, before anything is built."""

from __future__ import annotations

import pandas as pd
import pytest
from authoring_cases import author_folder, planted_frame, write_csv

from tiltyard.authoring.build import read_folder, table_spec
from tiltyard.authoring.init import plan_init
from tiltyard.authoring.spec import AuthoringError
from tiltyard.errors import TiltyardError


def init(tmp_path, frame, **options):
    data = write_csv(tmp_path / "raw", frame)
    arguments = {"target": "outcome", "task_type": "binary", "metric": "roc_auc", "id_column": "record",
                 "out": tmp_path / "author", **options}
    return plan_init(data, **arguments)


def test_a_target_with_missing_values_is_refused_with_its_lines(tmp_path):
    frame = planted_frame()
    frame.loc[[3, 7], "outcome"] = None
    with pytest.raises(AuthoringError) as caught:
        init(tmp_path, frame)
    message = str(caught.value)
    assert "2 empty values" in message and "lines 5, 9" in message and "Drop those rows" in message


def test_a_target_with_one_class_is_refused(tmp_path):
    frame = planted_frame().assign(outcome="yes")
    with pytest.raises(AuthoringError, match="one class only.*Expected at least two classes.*Got 'yes'"):
        init(tmp_path, frame)


def test_an_id_column_that_repeats_is_refused(tmp_path):
    frame = planted_frame()
    frame.loc[10, "record"] = 1
    with pytest.raises(AuthoringError, match=r"'record' repeats.*1 id on more than one row \(1\).*--id-column"):
        init(tmp_path, frame)


def test_a_target_or_metric_that_does_not_exist_gets_a_did_you_mean(tmp_path):
    with pytest.raises(AuthoringError, match="no target column 'outcom'.*Did you mean 'outcome'"):
        init(tmp_path, planted_frame(), target="outcom")
    with pytest.raises(TiltyardError, match="Unknown metric 'roc_uac'.*Did you mean 'roc_auc'"):
        init(tmp_path, planted_frame(), metric="roc_uac")
    with pytest.raises(AuthoringError, match="cannot score a binary task.*Expected one of"):
        init(tmp_path, planted_frame(), metric="rmse")


def test_a_file_in_an_unknown_encoding_is_refused_and_a_named_one_is_read(tmp_path):
    frame = planted_frame().assign(colour="Zürich")
    data = tmp_path / "raw" / "data.csv"
    data.parent.mkdir()
    frame.to_csv(data, index=False, encoding="cp1252")
    with pytest.raises(AuthoringError) as caught:
        plan_init(data, target="outcome", task_type="binary", metric="roc_auc", id_column="record",
                  out=tmp_path / "author")
    message = str(caught.value)
    assert "not in the encoding UTF-8" in message and "byte 0xfc" in message and 'encoding = "cp1252"' in message
    plan = plan_init(data, target="outcome", task_type="binary", metric="roc_auc", id_column="record",
                     out=tmp_path / "author", encoding="cp1252")
    assert 'encoding = "cp1252"' in plan.files["author.toml"]
    with pytest.raises(AuthoringError, match="'cp1225' is not an encoding.*Did you mean 'cp1252'"):
        plan_init(data, target="outcome", task_type="binary", metric="roc_auc", id_column="record",
                  out=tmp_path / "author", encoding="cp1225")


def test_a_dataset_too_small_for_the_fractions_is_refused_with_the_rows_it_needs(tmp_path):
    folder = author_folder(tmp_path, planted_frame(rows=150))
    with pytest.raises(AuthoringError) as caught:
        read_folder(folder)
    message = str(caught.value)
    assert "too small to split" in message and "150 rows: 112 train, 11 public, 27 private" in message
    assert "Use at least 400 rows, or raise [split] test_fraction" in message


def test_a_split_fraction_outside_zero_and_one_names_the_field(tmp_path):
    folder = author_folder(tmp_path, **{"test_fraction = 0.25": "test_fraction = 1.5"})
    with pytest.raises(AuthoringError, match=r"\[split\]\.test_fraction: Input should be less than 1 \(got 1.5\)"):
        read_folder(folder)


def test_a_misspelt_field_or_split_method_gets_a_did_you_mean(tmp_path):
    folder = author_folder(tmp_path, **{"test_fraction = 0.25": "test_fracton = 0.25"})
    with pytest.raises(AuthoringError, match=r"\[split\]\.test_fracton: not a field \(Did you mean 'test_fraction'"):
        read_folder(folder)
    folder = author_folder(tmp_path, **{'method = "stratified"': 'method = "tme:weight"'})
    with pytest.raises(AuthoringError, match="not a split method.*Did you mean 'time'"):
        read_folder(folder)


def test_a_recipe_naming_an_unknown_operator_or_column_gets_a_did_you_mean(tmp_path):
    folder = author_folder(tmp_path, recipe='[[corrupt]]\nop = "mising"\ncolumns = ["weight"]\nfraction = 0.1\n')
    with pytest.raises(TiltyardError, match="unknown operator.*'mising'.*Did you mean 'missing'"):
        table_spec(folder)
    folder = author_folder(tmp_path, recipe='[[corrupt]]\nop = "missing"\ncolumns = ["wieght"]\nfraction = 0.1\n')
    with pytest.raises(TiltyardError, match="Did you mean 'weight'"):
        table_spec(folder)


def test_a_recipe_fraction_outside_zero_and_one_is_refused(tmp_path):
    folder = author_folder(tmp_path, recipe='[[corrupt]]\nop = "missing"\ncolumns = ["weight"]\nfraction = 1.2\n')
    with pytest.raises(TiltyardError, match="fraction") as caught:
        table_spec(folder)
    assert "between 0 and 1" in str(caught.value) and "1.2" in str(caught.value)


def test_a_dictionary_out_of_step_with_the_data_is_refused(tmp_path):
    folder = author_folder(tmp_path, **{"[columns.weight]": "[columns.wieght]"})
    with pytest.raises(AuthoringError, match="misses columns of the data.*none for weight"):
        read_folder(folder)


def test_init_refuses_to_overwrite_an_edited_author_toml(tmp_path):
    from tiltyard.authoring.init import write_init

    author_folder(tmp_path)
    with pytest.raises(AuthoringError, match="already exists.*--force"):
        write_init(init(tmp_path, planted_frame()))


def test_init_detects_types_and_counts_gaps(tmp_path):
    frame = planted_frame().assign(day=pd.date_range("2020-01-01", periods=600).strftime("%Y-%m-%d"),
                                   flag=[0, 1] * 300)
    frame.loc[:9, "weight"] = None
    text = init(tmp_path, frame).files["author.toml"]
    assert '[columns.weight]\ntype = "numeric"' in text and "missing = 10" in text
    assert '[columns.day]\ntype = "datetime"' in text and '[columns.flag]\ntype = "boolean"' in text
    assert '[columns.colour]\ntype = "categorical"' in text and 'positive_label = "' in text
    assert text.count("TODO") >= 8


def test_a_misspelt_field_of_a_column_gets_a_did_you_mean(tmp_path):
    folder = author_folder(tmp_path, **{'[columns.weight]\ntype = "numeric"': '[columns.weight]\ntyp = "numeric"'})
    with pytest.raises(AuthoringError, match=r"\[columns\]\.weight\.typ: not a field \(Did you mean 'type'"):
        read_folder(folder)
