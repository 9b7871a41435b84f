"""The arena's grid pages: the grids run on its store, and a grid's report as a user reads it.

Cells are settled as the grid engine settles them (enqueued under their keys, claimed, then
completed with a cell's result or failed), with scores chosen so every figure can be checked by
hand: the constant rung scores 0.6 and the boosted-trees rung 0.8 on the split, so a score of
0.75 is 0.75 on the ladder's scale."""

from __future__ import annotations

import re

import pytest
from arena_helpers import CHALLENGE, login, sign_up

from tiltyard.grid.plan import CELL_JOB, plan
from tiltyard.grid.records import record_plan
from tiltyard.grid.spec import spec_from_dict
from tiltyard.runner import queue

MODELS = {"logistic": "sklearn.linear_model:LogisticRegression", "tree": "sklearn.tree:DecisionTreeClassifier",
          "forest": "sklearn.ensemble:RandomForestClassifier", "knn": "sklearn.neighbors:KNeighborsClassifier"}
# entry -> the cell's result: a score, a sandbox outcome, or None for a job that could not run at all.
RESULTS = {"ladder: constant": 0.6, "ladder: boosted-trees": 0.8, "logistic": 0.75, "tree": 0.7,
           "forest": "timeout", "knn": None}


def _spec(name: str, models: dict[str, str], memory_mb: int = 512):
    return spec_from_dict({"name": name, "protocol": "lite", "challenges": {"ids": [CHALLENGE]},
                           "budget": {"wall_seconds": 30, "cpu_seconds": 30, "memory_mb": memory_mb},
                           "axes": {"model": {m: {"factory": f} for m, f in models.items()}}})


def _enqueue(the_plan):
    record_plan(the_plan)  # what `tiltyard grid run` does before it enqueues
    for cell in the_plan.cells:
        queue.enqueue(CELL_JOB, cell.payload, key=cell.key, max_attempts=1)


def _settle(the_plan):
    for cell in the_plan.cells:
        claimed = queue.claim("test-worker", lease_seconds=60, keys=[cell.key])
        result = RESULTS[cell.label]
        if result is None:
            queue.fail(claimed.id, "test-worker", "the worker died", retry=False)
            continue
        ok = not isinstance(result, str)
        queue.complete(claimed.id, {"outcome": "ok" if ok else result, "score": result if ok else None,
                                    "message": None if ok else "the cell ran out of its 30 s", "cpu_s": 1.0,
                                    "wall_s": 1.0, "host": "here", "predictions": None})


@pytest.fixture
def grids(arena_home):
    finished = plan(_spec("models", MODELS))
    _enqueue(finished)
    _settle(finished)
    # Another budget: other cells (the same budget would share the rungs' and logistic's cells).
    _enqueue(plan(_spec("waiting", {"logistic": MODELS["logistic"]}, memory_mb=768)))


def _rows(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]


def test_the_list_shows_each_grid_of_the_store_with_its_cells_done_failed_and_pending(client, grids):
    learner = sign_up(client, "lea")
    html = client.get("/grids", headers=learner.headers).text
    assert _rows(html, "grids") == [["models", "5", "1", "0"], ["waiting", "0", "0", "3"]]
    assert 'href="/grids"' in html  # the nav links the page for signed-in users


def test_a_grid_page_shows_the_board_per_challenge_means_effects_and_failed_cells(client, grids):
    admin = login(client, "admin", "admin-password")
    html = client.get("/grids/models", headers=admin.headers).text
    assert "5 done · 1 failed · 0 pending" in html
    assert f"Pool: 6 entries (grid combinations and the constant and boosted-trees rungs) on 1 challenge(s): " \
           f"{CHALLENGE}" in html
    board = {row[0]: row[1:] for row in _rows(html, "board")}
    # Ranked by IQM (the last three tie at 0).
    assert list(board)[:3] == ["ladder: boosted-trees", "logistic", "tree"]
    assert set(list(board)[3:]) == {"ladder: constant", "forest", "knn"}
    # IQM, its interval (one value: none), Elo (one challenge: none), win rate, mean rank.
    assert board["logistic"][:3] == ["0.750", "—", "—"]
    assert board["tree"][0] == "0.500" and board["forest"][0] == "0.000" and board["knn"][0] == "0.000"
    assert board["ladder: boosted-trees"][0] == "1.000"
    per_challenge = {row[1]: row for row in _rows(html, "per-challenge")}
    assert per_challenge["logistic"] == [CHALLENGE, "logistic", "1", "0", "0.750", "—", "0.750", "0.750"]
    # A failed cell counts at the constant rung; its complete-cells mean has nothing to average.
    assert per_challenge["forest"] == [CHALLENGE, "forest", "1", "1", "0.600", "—", "—", "0.000"]
    effects = {row[1]: row for row in _rows(html, "effects")}
    assert effects["tree"] == ["model", "tree", "logistic", "1", "-0.250", "—", "0%"]
    assert effects["forest"][4] == "-0.750"
    failed = {row[1]: row for row in _rows(html, "failed")}
    assert failed["forest"][4] == "timeout" and "ran out of its 30 s" in failed["forest"][5]
    assert failed["knn"][4] == "not_run" and "the worker died" in failed["knn"][5]


def test_a_learner_sees_failed_cells_outcomes_but_not_their_messages(client, grids):
    learner = sign_up(client, "lea")
    html = client.get("/grids/models", headers=learner.headers).text
    assert {row[1]: row[4] for row in _rows(html, "failed")} == {"forest": "timeout", "knn": "not_run"}
    assert "ran out of its 30 s" not in html


def test_a_grid_with_no_finished_cell_says_its_report_is_coming(client, grids):
    learner = sign_up(client, "lea")
    html = client.get("/grids/waiting", headers=learner.headers).text
    assert "0 done · 0 failed · 3 pending" in html and "No cell has finished yet" in html


def test_an_unknown_grid_is_a_404_that_names_the_closest_one(client, grids):
    learner = sign_up(client, "lea")
    response = client.get("/grids/model", headers={**learner.headers, "accept": "text/html"})
    assert response.status_code == 404
    assert "No grid named &#39;model&#39; in this store" in response.text
    assert "Did you mean &#39;models&#39;?" in response.text


def test_the_grid_pages_need_a_signed_in_user(client, grids):
    for path in ("/grids", "/grids/models"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (303, 401) and "5 done" not in response.text
