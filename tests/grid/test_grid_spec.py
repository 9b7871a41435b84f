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


def test_editing_a_base_class_beside_a_component_changes_the_cells_of_its_subclasses(home, write_spec):
    with_base = COMPONENTS + "\n\nclass Base(DecisionTreeClassifier):\n    pass\n\n\nclass Child(Base):\n    pass\n"
    spec = SPEC.replace("grid_parts:make_tree", "grid_parts:Child")
    before = {c.label: c.key for c in plan(write_spec(spec, components=with_base)).cells}
    edited = with_base.replace("class Base(DecisionTreeClassifier):\n    pass",
                               "class Base(DecisionTreeClassifier):\n    def fit(self, X, y):\n"
                               "        return super().fit(X, y)")
    after = {c.label: c.key for c in plan(write_spec(spec, components=edited)).cells}
    assert {label for label in before if before[label] != after[label]} == {"scaler · tree"}


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
    (("wall_seconds = 60", "wall_seconds = 1"), "budget.wall_seconds cannot fit one cell"),
    (("[axes.preprocessor]", '[[exclude]]\nmodle = "tree"\n[axes.preprocessor]'), "Did you mean 'model'"),
    (("[axes.model]", '[slots]\ndepht = "model.depth"\n[axes.depth]\nthree = { factory = "builtins:int" }\n'
                     '[axes.model]'), "Did you mean 'depth'"),
    (("[axes.model]", '[slots]\ndepth = "modle.depth"\n[axes.depth]\nthree = { factory = "builtins:int" }\n'
                     '[axes.model]'), "Did you mean 'model'"),
    (("[axes.model]", '[slots]\ndepth = "model.dept"\n[axes.depth]\nthree = { factory = "builtins:int" }\n'
                     '[axes.model]'), "Did you mean 'depth'"),
    (('tree = { factory = "grid_parts:make_tree" }',
      'tree = { factory = "grid_parts:make_tree", params = { leaves = 3 } }'), "calling grid_parts:make_tree failed"),
    (('ids = ["titanic-v1"]', 'ids = ["titanic-v1"]\nkind = "agent"'), "cannot run 'agent' challenges"),
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


@pytest.mark.parametrize(("broken", "words"), [
    ("def make_scaler(:\n", "SyntaxError"),
    ("import no_such_package_here\n", "No module named 'no_such_package_here' (line 2)"),
])
def test_a_component_module_that_does_not_import_is_refused_with_its_line(home, write_spec, broken, words):
    with pytest.raises(GridError) as refused:
        plan(write_spec(components="\n" + broken + COMPONENTS))
    message = str(refused.value)
    assert "The module 'grid_parts' beside the spec does not import" in message and words in message


def test_a_bad_spec_given_to_grid_run_runs_no_cell(home, write_spec, tmp_path):
    from typer.testing import CliRunner

    from tiltyard.cli import app
    from tiltyard.grid.records import recorded_names
    from tiltyard.runner import queue

    write_spec(SPEC.replace("grid_parts:make_tree", "grid_parts:make_tre"))
    result = CliRunner().invoke(app, ["grid", "run", str(tmp_path / "grid.toml")])
    assert result.exit_code != 0 and "Did you mean 'make_tree'" in result.output
    assert sum(queue.status_counts().values()) == 0 and recorded_names() == []
