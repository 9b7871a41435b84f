"""Recipes: every refusal names the step and says what was expected, what came and what to do."""

from __future__ import annotations

import pytest
from corruption_cases import BINARY, COLUMNS, REGRESSION, clean_splits

from tiltyard.kinds.table.corruption import OPERATORS, RecipeError, apply_recipe, parse_recipe


def refusal(steps, task=BINARY, columns=COLUMNS) -> RecipeError:
    with pytest.raises(RecipeError) as caught:
        parse_recipe(steps, columns, task)
    error = caught.value
    assert error.expected and error.got and error.hint, error
    return error


def test_a_good_recipe_parses_and_round_trips_as_tables():
    steps = [{"op": "missing", "columns": "age", "fraction": 0.1, "token": -999},
             {"op": "typos", "columns": ["city"], "fraction": 0.05, "disclosed": False}]
    recipe = parse_recipe(steps, COLUMNS, BINARY)
    assert [s.op for s in recipe.steps] == ["missing", "typos"]
    assert recipe.as_tables() == [{"op": "missing", "columns": ["age"], "fraction": 0.1, "token": -999},
                                  {"op": "typos", "columns": ["city"], "fraction": 0.05, "disclosed": False}]
    assert len(recipe.disclosed()) == 1 and "-999" in recipe.disclosed()[0]


def test_unknown_operator_suggests_the_closest():
    error = refusal([{"op": "mising", "columns": ["age"], "fraction": 0.1}])
    assert "step 1" in str(error) and "Did you mean 'missing'?" in str(error)


def test_a_step_without_op_or_not_a_table():
    assert "names no operator" in str(refusal([{"columns": ["age"], "fraction": 0.1}]))
    assert "is not a table" in str(refusal(["missing"]))


def test_unknown_column_suggests_the_closest():
    error = refusal([{"op": "typos", "columns": ["citty"], "fraction": 0.1}])
    assert "unknown column" in str(error) and "Did you mean 'city'?" in str(error)


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_fraction_outside_zero_one(fraction):
    error = refusal([{"op": "typos", "columns": ["city"], "fraction": fraction}])
    assert "fraction outside [0, 1]" in str(error) and repr(fraction) in str(error)


def test_missing_fraction():
    assert "needs fraction" in str(refusal([{"op": "typos", "columns": ["city"]}]))


def test_parameter_of_the_wrong_type():
    error = refusal([{"op": "typos", "columns": ["city"], "fraction": "0.1"}])
    assert "'0.1' (str)" in str(error)
    error = refusal([{"op": "missing", "columns": ["age"], "fraction": 0.1, "strength": "strong"}])
    assert "strength" in str(error)


def test_unknown_parameter_suggests_the_closest():
    error = refusal([{"op": "missing", "columns": ["age"], "fraction": 0.1, "tokn": -999}])
    assert "no parameter 'tokn'" in str(error) and "Did you mean 'token'?" in str(error)


def test_a_choice_outside_its_options_suggests_the_closest():
    error = refusal([{"op": "missing", "columns": ["age"], "fraction": 0.1, "mechanism": "mnr"}])
    assert "Did you mean 'mnar'?" in str(error)
    error = refusal([{"op": "typos", "columns": ["city"], "fraction": 0.1, "splits": "tst"}])
    assert "Did you mean 'test'?" in str(error)


def test_an_operator_on_a_column_of_the_wrong_type():
    error = refusal([{"op": "typos", "columns": ["age"], "fraction": 0.1}])
    assert "cannot corrupt a numeric column" in str(error) and "categorical or text" in str(error)


def test_the_id_column_and_the_target_are_not_features():
    assert "id column" in str(refusal([{"op": "missing", "columns": ["passenger"], "fraction": 0.1}]))
    assert "label_noise" in str(refusal([{"op": "missing", "columns": ["survived"], "fraction": 0.1}]))


def test_missing_at_random_needs_its_condition():
    assert "given" in str(refusal([{"op": "missing", "columns": ["age"], "fraction": 0.1, "mechanism": "mar"}]))
    assert "Did you mean 'fare'?" in str(refusal([{"op": "missing", "columns": ["age"], "fraction": 0.1,
                                                   "mechanism": "mar", "given": "fair"}]))
    assert "mar" in str(refusal([{"op": "missing", "columns": ["age"], "fraction": 0.1, "given": "fare"}]))


def test_duplicates_parameters_that_contradict():
    assert "near copies" in str(refusal([{"op": "duplicates", "fraction": 0.1, "near": True}]))
    assert "exact copies" in str(refusal([{"op": "duplicates", "fraction": 0.1, "columns": ["fare"]}]))
    assert "train into test" in str(refusal([{"op": "duplicates", "fraction": 0.1, "across_splits": True,
                                              "splits": ["train"]}]))


def test_the_target_must_be_among_the_columns():
    assert "target" in str(refusal([], columns={"age": "numeric"}))


def test_steps_are_numbered_in_refusals():
    error = refusal([{"op": "typos", "columns": ["city"], "fraction": 0.1},
                     {"op": "typos", "columns": ["cty"], "fraction": 0.1}])
    assert "step 2" in str(error)


def test_apply_refuses_splits_that_do_not_fit():
    recipe = parse_recipe([{"op": "typos", "columns": ["city"], "fraction": 0.1}], COLUMNS, BINARY)
    splits = clean_splits()
    with pytest.raises(RecipeError, match="train and a test split"):
        apply_recipe(recipe, {"train": splits["train"]}, seed=0)
    repeated = {"train": splits["train"], "test": splits["train"].head(3)}
    with pytest.raises(RecipeError, match="Ids repeat"):
        apply_recipe(recipe, repeated, seed=0)


def test_every_operator_describes_itself_in_one_sentence():
    from corruption_cases import CASES

    for case in CASES.values():
        step = parse_recipe([case.step], COLUMNS, REGRESSION if case.task == "regression" else BINARY).steps[0]
        sentence = step.describe()
        assert sentence.endswith(".") and sentence.count(". ") == 0, sentence
    assert set(OPERATORS) <= {c.op for c in CASES.values()}


def test_label_operators_refuse_a_regression_target_and_the_test_split():
    error = refusal([{"op": "label_noise", "fraction": 0.1}], task=REGRESSION)
    assert "regression target" in str(error) and "numeric_noise" in str(error)
    assert "regression" in str(refusal([{"op": "imbalance", "fraction": 0.5}], task=REGRESSION))
    error = refusal([{"op": "label_noise", "fraction": 0.1, "splits": ["test"]}])
    assert "cannot touch the test split" in str(error) and "train" in str(error)
    assert "Did you mean 'yes'?" in str(refusal([{"op": "label_noise", "fraction": 0.1, "towards": "yse"}]))
    assert "takes exactly 0" in str(refusal([{"op": "label_noise", "fraction": 0.1, "columns": ["survived"]}]))


def test_unit_change_refusals():
    base = {"op": "unit_change", "columns": ["weight"], "fraction": 1.0}
    assert "needs factor" in str(refusal([base]))
    assert "no unit change" in str(refusal([{**base, "factor": 1.0}]))
    assert "both its column and its values" in str(refusal([{**base, "factor": 2.2, "subgroup_column": "city"}]))
    assert "Did you mean 'city'?" in str(refusal([{**base, "factor": 2.2, "subgroup_column": "cty",
                                                   "subgroup_values": ["Boston"]}]))
    assert "not a datetime column" in str(refusal([{**base, "factor": 2.2, "window_column": "age"}]))
    assert "not a date" in str(refusal([{**base, "factor": 2.2, "window_column": "joined",
                                         "window_start": "last spring"}]))
    assert "needs its column" in str(refusal([{**base, "factor": 2.2, "window_start": "2012-01-01"}]))


def test_a_unit_change_whose_subgroup_selects_nothing_is_refused_at_apply():
    recipe = parse_recipe([{"op": "unit_change", "columns": ["weight"], "fraction": 1.0, "factor": 2.2,
                            "subgroup_column": "city", "subgroup_values": ["Atlantis"]}], COLUMNS, BINARY)
    with pytest.raises(RecipeError, match=r"step 1 \(unit_change\): the subgroup or window selects no rows"):
        apply_recipe(recipe, clean_splits(), seed=0)


def test_impossible_outliers_need_a_value_when_negatives_are_possible():
    splits = clean_splits()
    splits = {name: frame.assign(height=frame["height"] - 200) for name, frame in splits.items()}
    recipe = parse_recipe([{"op": "outliers", "columns": ["height"], "fraction": 0.1, "kind": "impossible"}],
                          COLUMNS, BINARY)
    with pytest.raises(RecipeError, match="already holds negative numbers"):
        apply_recipe(recipe, splits, seed=0)
    assert "value is read only" in str(refusal([{"op": "outliers", "columns": ["fare"], "fraction": 0.1,
                                                 "value": -1}]))


def test_swap_columns_refusals():
    assert "exactly 2" in str(refusal([{"op": "swap_columns", "columns": ["weight"], "fraction": 0.1}]))
    assert "same type" in str(refusal([{"op": "swap_columns", "columns": ["weight", "city"], "fraction": 0.1}]))
    assert "itself" in str(refusal([{"op": "swap_columns", "columns": ["weight", "weight"], "fraction": 0.1}]))


def test_date_formats_refuse_a_format_that_loses_the_date():
    assert "loses the date" in str(refusal([{"op": "date_formats", "columns": ["joined"], "fraction": 0.1,
                                             "formats": ["%m/%Y"]}]))
    assert "datetime" in str(refusal([{"op": "date_formats", "columns": ["city"], "fraction": 0.1}]))


def test_encoding_refusals():
    assert "needs the columns" in str(refusal([{"op": "encoding", "fraction": 0.1}]))
    assert "re-encoded whole" in str(refusal([{"op": "encoding", "mode": "cp1252_file", "fraction": 0.5}]))
    assert "Did you mean 'cp1252_file'?" in str(refusal([{"op": "encoding", "mode": "cp1252"}]))


def test_type_pollution_only_pollutes_numbers():
    assert "numeric" in str(refusal([{"op": "type_pollution", "columns": ["city"], "fraction": 0.1}]))
    assert "Did you mean 'currency'?" in str(refusal([{"op": "type_pollution", "columns": ["fare"],
                                                       "fraction": 0.1, "styles": ["curency"]}]))


def test_leakage_column_refusals():
    assert "needs name" in str(refusal([{"op": "leakage_column"}]))
    assert "name is taken" in str(refusal([{"op": "leakage_column", "name": "fare"}]))
    assert "over a group" in str(refusal([{"op": "leakage_column", "name": "rate", "kind": "future_aggregate"}]))
    assert "Did you mean 'city'?" in str(refusal([{"op": "leakage_column", "name": "rate",
                                                   "kind": "future_aggregate", "group": "cty"}]))
    assert "Remove splits" in str(refusal([{"op": "leakage_column", "name": "rate", "splits": ["train"]}]))


def test_a_later_step_may_corrupt_the_leakage_column():
    recipe = parse_recipe([{"op": "leakage_column", "name": "calls", "kind": "post_outcome"},
                           {"op": "missing", "columns": ["calls"], "fraction": 0.2}], COLUMNS, BINARY)
    corrupted = apply_recipe(recipe, clean_splits(), seed=0)
    assert corrupted.splits["train"]["calls"].isna().sum() == round(0.2 * len(corrupted.splits["train"]))


def test_shift_drift_needs_numbers():
    assert "only numbers drift" in str(refusal([{"op": "shift", "columns": ["city"], "fraction": 0.5,
                                                 "kind": "drift"}]))
    assert "exactly 1" in str(refusal([{"op": "shift", "columns": ["age", "fare"], "fraction": 0.5}]))


def test_date_formats_refuse_a_clean_value_that_is_no_date():
    splits = clean_splits()
    splits["train"].loc[3, "joined"] = "sometime in May"
    recipe = parse_recipe([{"op": "date_formats", "columns": ["joined"], "fraction": 1.0}], COLUMNS, BINARY)
    with pytest.raises(RecipeError, match=r"step 1 \(date_formats\): 'joined' holds a value that is not a date"):
        apply_recipe(recipe, splits, seed=0)


def test_the_reference_describes_every_operator_and_parameter():
    from tiltyard.kinds.table.corruption import reference

    entries = reference()
    assert [e["op"] for e in entries] == sorted(OPERATORS)
    for entry in entries:
        assert entry["summary"].endswith(".") and entry["columns"] and entry["lesson"], entry["op"]
        assert all(p["description"] for p in entry["parameters"]), entry["op"]
        assert {"fraction", "columns", "splits", "disclosed"} <= {p["name"] for p in entry["parameters"]}
