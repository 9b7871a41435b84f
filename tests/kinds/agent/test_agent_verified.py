"""The verified budget track: the grader reruns a learner's train.py in the sandbox under the step
cap it counts itself (vector copies included), a wall cap and a thread count, on each training
seed, then plays the trained policies on the sealed seeds. Tiny budgets: seconds each."""

from __future__ import annotations

import json

import pytest
from agent_bundles import LEAN, STEP_FOREVER, build_tiny, train_script, write_workspace
from typer.testing import CliRunner

from tiltyard.config import get_settings
from tiltyard.errors import SubmissionError
from tiltyard.kinds.agent.section import VerifiedTrack
from tiltyard.kinds.agent.verified import statement_lines, train_and_evaluate, verify
from tiltyard.runner.sandbox import bubblewrap_problem

pytestmark = pytest.mark.skipif(bubblewrap_problem() is not None, reason="bubblewrap cannot run here")
CAP = 500


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    return build_tiny(tmp_path_factory.mktemp("verified"), "tiny-verified-v1", step_budget=CAP,
                      verified=VerifiedTrack(wall_seconds=60, rung="lean"))


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The same challenge with a wall cap of a few seconds."""
    return build_tiny(tmp_path_factory.mktemp("quick"), "tiny-verified-v1", step_budget=CAP,
                      verified=VerifiedTrack(wall_seconds=6, rung="lean"))


@pytest.fixture
def workspace(tmp_path):
    def write(train: str) -> object:
        return write_workspace(tmp_path / "workspace", train)

    return write


def test_a_script_that_overruns_is_stopped_at_the_cap_counting_every_copy(verified, workspace):
    run = train_and_evaluate(verified, workspace(train_script(STEP_FOREVER)), seed=0)
    assert run["outcome"] == "ok" and run["steps_used"] == CAP and run["stopped_at_cap"]
    assert "stopped at the cap of 500" in run["message"]
    assert run["private"] == pytest.approx(verified.manifest.baseline("lean").private_score, abs=1e-6)
    assert len(run["private_returns"]) == 4


@pytest.mark.parametrize("train, code, words", [
    (train_script(STEP_FOREVER, catch=False), "exception", ["reached the cap of 500", "catch budget.BudgetSpent"]),
    (train_script("raise ValueError('the replay buffer is empty')"), "exception",
     ["ValueError", "the replay buffer is empty"]),
    (train_script("pass").replace("Path('submission')", "Path('elsewhere')")
     .replace("submission/policy.py", "elsewhere/policy.py"), "no_output", ["wrote no submission/policy.py"]),
    (train_script("envs[0].step(7)"), "invalid_output", ["outside its action space Discrete(2)"]),
    (train_script("challenge.make_env().step(0)"), "exception", ["refused train.py's call at step 0",
                                                                "Call reset() before the first step()"]),
    (train_script("import gymnasium\ngymnasium.vector.AsyncVectorEnv([challenge.make_env] * 2).reset(seed=0)"),
     "exception", ["from child processes", "Use DummyVecEnv"]),
    (train_script("import multiprocessing\nmultiprocessing.get_context('spawn').Process("
                  "target=print, args=(envs[0],)).start()"), "exception", ["from child processes", "Use DummyVecEnv"]),
    (train_script("import cloudpickle\ncloudpickle.dumps(challenge.make_env)"),  # as SubprocVecEnv sends it
     "exception", ["from child processes", "Use DummyVecEnv"]),
])
def test_a_broken_train_script_is_classed(verified, workspace, train, code, words):
    run = train_and_evaluate(verified, workspace(train), seed=0)
    assert run["outcome"] == code, run
    text = " ".join(filter(None, [run["message"], run["traceback_tail"]]))
    for word in words:
        assert word in text
    assert "private" not in run


def test_a_script_past_the_wall_cap_is_a_timeout(quick, workspace):
    run = train_and_evaluate(quick, workspace(train_script("time.sleep(60)")), seed=0)
    assert run["outcome"] == "timeout" and "wall-time budget of 6 s" in run["message"]


@pytest.mark.slow  # Stable-Baselines3 and torch imported twice in the sandbox: about 15 s
def test_the_starter_train_script_as_it_is_trains_under_the_cap(verified, tmp_path, monkeypatch):
    from tiltyard.cli import app

    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(verified.root.parent))
    monkeypatch.setenv("TILTYARD_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["start", "tiny-verified-v1", str(tmp_path / "ws")]).exit_code == 0
    get_settings.cache_clear()
    run = train_and_evaluate(verified, tmp_path / "ws", seed=1)
    assert run["outcome"] == "ok", run
    assert run["steps_used"] == CAP and run["stopped_at_cap"] and run["private"] > 0


def test_verify_runs_one_queue_job_per_seed_and_reports_the_iqm_beside_the_rung(verified, workspace, store_home,
                                                                               monkeypatch):
    from tiltyard.cli import app
    from tiltyard.runner import queue

    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(verified.root.parent))
    get_settings.cache_clear()
    folder = workspace(train_script(STEP_FOREVER))
    (folder / "submission").mkdir()  # what the learner's own run wrote: shown beside the grader's figures
    (folder / "submission" / "report.json").write_text(json.dumps({"steps_used": 450, "mean_return": 44.0}))
    result = CliRunner().invoke(app, ["agent", "verify", "tiny-verified-v1", str(folder), "--concurrency", "2",
                                      "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["statement"] == "verified: trained by the grader, 3 seeds, 500 steps each (cap 500)"
    assert summary["seeds"] == [0, 1, 2] and summary["steps_used"] == {"0": CAP, "1": CAP, "2": CAP}
    assert summary["failed_seeds"] == [] and summary["threads"] == 1
    lean = verified.manifest.baseline("lean").private_score
    assert summary["iqm"]["estimate"] == pytest.approx(lean, abs=1e-6)
    assert summary["improvement"]["rung"] == "lean" and summary["improvement"]["estimate"] == pytest.approx(0.5)
    assert queue.status_counts()["done"] == 3
    lines = statement_lines(summary)
    assert lines[0].startswith("verified: trained by the grader, 3 seeds, 500 steps each (cap 500): IQM")
    assert "probability of improvement over lean: 0.50" in lines[1]
    assert "self-reported (your own run, public seeds): mean return 44.00 with 450 steps" in lines[2]


def test_a_folder_without_train_py_or_a_challenge_without_the_track_is_refused(verified, tiny, policy_folder,
                                                                               workspace, home):
    from tiltyard.kinds.agent.handle import AgentChallenge

    with pytest.raises(SubmissionError) as caught:
        AgentChallenge(verified).verify(policy_folder(LEAN))  # what tiltyard.load(ID).verify(...) is
    assert caught.value.code == "no_train_script" and "train.py" in caught.value.hint
    with pytest.raises(SubmissionError) as caught:
        verify(tiny, workspace(train_script("pass")))
    assert caught.value.code == "no_verified_track"


def test_the_workspace_of_a_challenge_with_the_track_says_it_may_be_handed_in_whole(verified, tiny, tmp_path):
    from tiltyard.plugins import kind_of

    said = kind_of(verified).workspace(verified, tmp_path / "verified")
    assert f"hand in the workspace folder itself (tiltyard submit tiny-verified-v1 {tmp_path / 'verified'})" in said
    assert "workspace folder itself" not in kind_of(tiny).workspace(tiny, tmp_path / "tiny")
    assert "tiltyard submit tiny-verified-v1 WORKSPACE`, hand in the workspace folder itself" in verified.brief


def test_the_cheap_built_ins_opt_in():
    from tiltyard.kinds.agent.challenges import CARTPOLE_BALANCE, MEMORY_REPEAT_PREVIOUS
    from tiltyard.kinds.agent.table_challenges import CREDIT_BANDIT

    assert CARTPOLE_BALANCE.spec.section.verified.seeds == [0, 1, 2]
    assert CREDIT_BANDIT.spec.section.verified.threads == 1
    assert MEMORY_REPEAT_PREVIOUS.spec.section.verified is None


def test_the_checker_says_which_rung_the_track_compares_with(verified, tmp_path):
    from tiltyard.check import check_challenge

    def track_check(bundle):
        return check_challenge(bundle.root, only="agent.verified_track").checks[-1]

    assert track_check(verified).passed and "compared with lean" in track_check(verified).detail
    assert "tiltyard agent verify tiny-verified-v1 WORKSPACE" in verified.brief
    wrong = track_check(build_tiny(tmp_path, "tiny-verified-v1", verified=VerifiedTrack(wall_seconds=60, rung="ppo")))
    assert not wrong.passed and "'ppo' is not among the baselines" in wrong.detail


def test_a_grading_job_run_again_trains_only_the_seeds_it_had_not_finished(verified, workspace, home, monkeypatch):
    """A worker that dies on the last seed (here: raises) loses only that seed: the seeds that ran
    to the end are kept by the folder's bytes, the bundle and the seed, and a changed file trains
    them all again."""
    from tiltyard.kinds.agent import verified as track
    from tiltyard.kinds.agent import verified_upload

    trained, real = [], track.train_and_evaluate

    def dies_on(seed_to_die_on):
        def train(bundle, folder, seed):
            trained.append(seed)
            if seed == seed_to_die_on:
                raise RuntimeError("the grading worker died")
            return real(bundle, folder, seed)
        return train

    folder = workspace(train_script("for env in envs:\n    env.reset()\n    for _ in range(50):\n"
                                    "        env.step(env.action_space.sample())\n"))
    monkeypatch.setattr(track, "train_and_evaluate", dies_on(2))
    with pytest.raises(RuntimeError):
        verified_upload.grade_training(verified, folder)
    assert trained == [0, 1, 2]
    monkeypatch.setattr(track, "train_and_evaluate", dies_on(None))
    first = verified_upload.grade_training(verified, folder)
    assert trained == [0, 1, 2, 2]
    runs = next(s for s in first.sections if s.name == "verified").data["runs"]
    assert [run["outcome"] for run in runs] == ["ok"] * 3 and [run["steps_used"] for run in runs] == [150] * 3
    assert verified_upload.grade_training(verified, folder).public_scores == first.public_scores
    assert trained == [0, 1, 2, 2]  # nothing trained again
    (folder / "policy.py").write_text((folder / "policy.py").read_text() + "\n# changed\n")
    verified_upload.grade_training(verified, folder)
    assert trained == [0, 1, 2, 2, 0, 1, 2]
