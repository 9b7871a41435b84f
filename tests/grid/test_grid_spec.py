"""A spec is checked before any cell runs: every refusal says what was expected and what to do."""

from __future__ import annotations

import pytest
from grid_specs import COMPONENTS, SPEC

from tiltyard.errors import ChallengeNotFound
from tiltyard.grid.plan import CONSTANT_RUNG, plan
from tiltyard.grid.spec import GridError, GridSpec, spec_from_dict


def test_a_small_spec_plans_combinations_challenges_and_ladder_cells(home, write_spec):
    the_plan = plan(write_spec())
    assert [c.label for c in the_plan.combinations] == ["scaler · logistic", "scaler · tree"]
    assert len(the_plan.grid_cells) == 2 and len(the_plan.cells) == 4
    assert {cell.rung for cell in the_plan.cells} == {None, CONSTANT_RUNG, "boosted-trees"}
    assert len(set(the_plan.keys)) == 4
    assert the_plan.cpu_hours() == pytest.approx(4 * 60 / 3600)


def test_the_standard_protocol_repeats_three_folds_by_size(home, write_spec):
    the_plan = plan(write_spec(SPEC.replace('protocol = "lite"', 'protocol = "standard"')))
    # titanic-v1 has under 2,500 training rows: 10 repeats of 3 folds, as TabArena.
    assert {cell.split.index for cell in the_plan.cells} == set(range(30))


def test_the_same_spec_as_a_python_object(home, write_spec, tmp_path):
    written = write_spec()
    built = GridSpec(name="small", challenges={"ids": ["titanic-v1"]}, budget=written.budget.model_dump(),
                     axes={axis: {k: v.model_dump() for k, v in entries.items()} for axis, entries in
                           written.axes.items()}).at(tmp_path)
    assert plan(built).keys == plan(written).keys


def test_editing_one_component_changes_only_its_cells(home, write_spec):
    before = {c.label: c.key for c in plan(write_spec()).cells}
    edited = COMPONENTS.replace("return DecisionTreeClassifier(max_depth=depth)",
                                "return DecisionTreeClassifier(max_depth=depth + 1)")
    after = {c.label: c.key for c in plan(write_spec(components=edited)).cells}
    changed = {label for label in before if before[label] != after[label]}
    assert changed == {"scaler · tree"}
    params = SPEC.replace("max_iter = 300", "max_iter = 301")
    again = {c.label: c.key for c in plan(write_spec(params)).cells}
    assert {label for label in before if before[label] != again[label]} == {"scaler · logistic"}


def test_a_component_without_the_slot_collapses_that_axis(home, write_spec):
    spec = SPEC + '''
[axes.depth]
shallow = { factory = "builtins:int", params = {} }
deep = { factory = "builtins:int", params = {} }

[slots]
depth = "model.depth"
'''
    the_plan = plan(write_spec(spec))
    # make_tree takes depth (two cells), LogisticRegression does not (one cell, depth collapsed).
    assert [c.label for c in the_plan.combinations] == ["scaler · logistic", "scaler · tree · shallow",
                                                         "scaler · tree · deep"]


@pytest.mark.parametrize(("change", "words"), [
    (('ids = ["titanic-v1"]', 'ids = ["titanik-v1"]'), "Did you mean 'titanic-v1'"),
    (('protocol = "lite"', 'compose = ["preprocesor", "model"]'), "Did you mean 'preprocessor'"),
    (("[axes.model]", '[slots]\nopt = "model.optimizer"\n[axes.opt]\nadam = { factory = "builtins:dict" }\n'
                     '[axes.model]'), "takes a parameter 'optimizer'"),
    (("grid_parts:make_tree", "grid_parts:make_tre"), "Did you mean 'make_tree'"),
    (("grid_parts:make_tree", "no_such_module:make_tree"), "does not import"),
    (("grid_parts:make_tree", "sklearn.preprocessing:StandardScaler"), "with methods fit and predict"),
    (("grid_parts:make_scaler", "builtins:dict"), "did not return a scikit-learn estimator"),
    (("memory_mb = 1024", "memory_mb = 100"), "cannot fit one cell"),
    (("threads = 1", "threads = 999"), "cannot fit one cell on this machine"),
    (("[axes.preprocessor]", '[[exclude]]\nmodel = ["logistic", "tree"]\n[axes.preprocessor]'),
     "empty after its exclusions"),
    (("[axes.preprocessor]", '[[exclude]]\nmodel = "forest"\n[axes.preprocessor]'), "unknown entry 'forest'"),
    (("[budget]", "[budget]\nmemory_gb = 1"), "memory_gb"),
])
def test_bad_specs_are_refused_before_any_cell_runs(home, write_spec, change, words):
    old, new = change
    with pytest.raises((GridError, ChallengeNotFound)) as refused:
        plan(write_spec(SPEC.replace(old, new, 1)))
    assert words in str(refused.value)


def test_a_spec_that_is_not_a_grid_says_which_fields_exist():
    with pytest.raises(GridError, match=r"\[axes.NAME\]"):
        spec_from_dict({"name": "x", "axes": {}})


def test_challenges_are_chosen_by_tag(home, write_spec):
    spec = SPEC.replace('ids = ["titanic-v1"]', 'ids = ["titanic-v1", "grid-breast-biopsy-v1"]\ntags = ["grid"]')
    assert [c.id for c in plan(write_spec(spec)).challenges] == ["grid-breast-biopsy-v1"]


def test_a_tag_no_challenge_has_selects_nothing(home, write_spec):
    with pytest.raises(GridError, match="--tag grid"):
        plan(write_spec(SPEC.replace('ids = ["titanic-v1"]', 'ids = ["titanic-v1"]\ntags = ["no-such-tag"]')))
