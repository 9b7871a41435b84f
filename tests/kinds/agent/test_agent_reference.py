"""The reference rungs' build-time tool: seeds trained in parallel (``--out``) merge into one
artefact, and a rung trained on a window of past readings keeps that window itself."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from tiltyard.errors import BundleError
from tiltyard.kinds.agent import reference, series
from tiltyard.kinds.agent.builder import sb3_policy

CHALLENGE = "memory-repeat-previous-v1"


def write_part(folder: Path, seeds: dict[int, float], steps: int = 60_000) -> Path:
    """An artefact as ``--out`` writes it: per-seed rows, and the median seed's weights."""
    stored = sorted(seeds, key=seeds.get)[(len(seeds) - 1) // 2]
    rung = {"name": "recurrent-ppo", "steps": steps, "stored_seed": stored, "command": f"train {folder.name}",
            "note": "a test", "per_seed": [{"seed": seed, "public_mean": score, "private_mean": score,
                                             "train_seconds": 1.0, "steps_per_second": 1.0}
                                            for seed, score in seeds.items()]}
    (folder / "recurrent-ppo").mkdir(parents=True)
    (folder / "recurrent-ppo" / "model.zip").write_text(f"weights of seed {stored}")
    (folder / "ladder.json").write_text(json.dumps({"challenge": CHALLENGE, "rungs": [rung]}))
    return folder


@pytest.fixture
def artefacts(tmp_path, monkeypatch):
    monkeypatch.setattr(reference, "REFERENCE", tmp_path / "reference")
    return tmp_path


def test_parts_merge_into_one_rung_over_all_their_seeds_with_the_median_seeds_weights(artefacts):
    first = write_part(artefacts / "a", {0: 0.2, 1: 0.9, 2: 0.5})
    second = write_part(artefacts / "b", {3: 0.6, 4: 0.7})
    ladder = json.loads(reference.merge(CHALLENGE, [first, second]).read_text())
    (rung,) = ladder["rungs"]
    assert [row["seed"] for row in rung["per_seed"]] == [0, 1, 2, 3, 4]
    # The median of the five is seed 3 (0.6), whose weights the second part kept.
    assert rung["stored_seed"] == 3
    assert (artefacts / "reference" / CHALLENGE / "recurrent-ppo" / "model.zip").read_text() == "weights of seed 3"
    assert rung["across_seeds"]["low"] <= np.mean([0.2, 0.9, 0.5, 0.6, 0.7]) <= rung["across_seeds"]["high"]
    assert "the median of 5" in rung["description"] and "SHORTER RUN: 60,000" in rung["description"]
    assert "train a" in rung["command"] and "train b" in rung["command"]


def test_without_the_median_seeds_weights_the_nearest_kept_seed_is_stored_and_said_so(artefacts):
    first = write_part(artefacts / "a", {0: 0.2, 1: 0.9, 2: 0.5})  # keeps seed 2 (0.5)
    second = write_part(artefacts / "b", {3: 0.65, 4: 0.7})  # keeps seed 3 (0.65); the median is 0.65
    second_ladder = json.loads((second / "ladder.json").read_text())
    second_ladder["rungs"][0]["stored_seed"] = 4  # as if only seed 4's weights (0.7) were kept
    (second / "ladder.json").write_text(json.dumps(second_ladder))
    (rung,) = json.loads(reference.merge(CHALLENGE, [first, second]).read_text())["rungs"]
    assert rung["stored_seed"] == 4
    assert "training seed 4, of 5 (the median seed's weights were not kept" in rung["description"]


def test_a_seed_in_two_parts_is_refused_with_the_seed_named(artefacts):
    parts = [write_part(artefacts / "a", {0: 0.2, 1: 0.9}), write_part(artefacts / "b", {1: 0.6})]
    with pytest.raises(BundleError, match="same training seed twice") as error:
        reference.merge(CHALLENGE, parts)
    assert "[1]" in str(error.value)
    assert not (artefacts / "reference" / CHALLENGE / "ladder.json").exists()


def test_parts_of_different_lengths_or_without_an_artefact_are_refused(artefacts):
    short = write_part(artefacts / "a", {0: 0.2}, steps=60_000)
    full = write_part(artefacts / "b", {1: 0.9}, steps=200_000)
    with pytest.raises(BundleError, match="different numbers of steps"):
        reference.merge(CHALLENGE, [short, full])
    with pytest.raises(BundleError, match="no measured rungs"):
        reference.merge(CHALLENGE, [artefacts / "empty"])


def test_a_windowed_rung_sees_the_window_the_training_environment_showed(tmp_path):
    from stable_baselines3 import PPO

    windowed = series.demand_env("public", window=2)
    PPO("MlpPolicy", windowed, n_steps=16, batch_size=16, n_epochs=1, device="cpu").save(tmp_path / "model.zip")
    (tmp_path / "policy.py").write_text(sb3_policy("PPO", window=2))
    module_spec = importlib.util.spec_from_file_location("windowed_rung", tmp_path / "policy.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    plain = series.demand_env("public")
    policy = module.make_policy(plain.observation_space, plain.action_space)
    for episode in windowed.episode_keys[:2]:
        policy.reset()
        seen, _ = plain.reset(options={"episode": episode})
        shown, _ = windowed.reset(options={"episode": episode})
        for _ in range(5):
            np.testing.assert_array_equal(policy.seen(seen), shown)
            seen, *_ = plain.step(1)
            shown, *_ = windowed.step(1)
    policy.reset()
    assert policy.act(plain.reset(seed=0)[0]) in (0, 1)
