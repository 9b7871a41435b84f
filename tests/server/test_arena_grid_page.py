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
from tiltyard.grid.report import build_report
from tiltyard.grid.spec import spec_from_dict
from tiltyard.runner import queue

MODELS = {"logistic": "sklearn.linear_model:LogisticRegression", "tree": "sklearn.tree:DecisionTreeClassifier",
          "forest": "sklearn.ensemble:RandomForestClassifier", "knn": "sklearn.neighbors:KNeighborsClassifier"}
# entry -> the cell's result: a score, a sandbox outcome, or None for a job that could not run at all.
RESULTS = {"ladder: constant": 0.6, "ladder: boosted-trees": 0.8, "logistic": 0.75, "tree": 0.7,
           "forest": "timeout", "knn": None}
# CPU seconds of each settled cell: the boosted-trees rung's 2.0 is the cost table's yardstick.
CPU = {"ladder: constant": 0.5, "ladder: boosted-trees": 2.0, "logistic": 1.0, "tree": 3.0, "forest": 30.0}


def _spec(name: str, models: dict[str, str], memory_mb: int = 512):
    return spec_from_dict({"name": name, "protocol": "lite", "challenges": {"ids": [CHALLENGE]},
                           "budget": {"wall_seconds": 30, "cpu_seconds": 30, "memory_mb": memory_mb},
                           "axes": {"model": {m: {"factory": f} for m, f in models.items()}}})


def _enqueue(the_plan):
    record_plan(the_plan)  # what `tiltyard grid run` does before it enqueues
    for cell in the_plan.cells:
        queue.enqueue(CELL_JOB, cell.payload, key=cell.key, max_attempts=1)


def _settle(the_plan, labels=None, results=RESULTS):
    for cell in the_plan.cells:
        if labels is not None and cell.label not in labels:
            continue
        claimed = queue.claim("test-worker", lease_seconds=60, keys=[cell.key])
        result = results[cell.label]
        if result is None:
            queue.fail(claimed.id, "test-worker", "the worker died", retry=False)
            continue
        ok = not isinstance(result, str)
        queue.complete(claimed.id, {"outcome": "ok" if ok else result, "score": result if ok else None,
                                    "message": None if ok else "the cell ran out of its 30 s",
                                    "cpu_s": CPU[cell.label], "wall_s": 1.0, "host": "here", "worker": "here",
                                    "predictions": None})


def _waiting():
    # Another budget: other cells (the same budget would share the rungs' and logistic's cells).
    return plan(_spec("waiting", {"logistic": MODELS["logistic"]}, memory_mb=768))


@pytest.fixture
def grids(arena_home):
    finished = plan(_spec("models", MODELS))
    _enqueue(finished)
    _settle(finished)
    _enqueue(_waiting())


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
    assert effects["tree"] == ["model", "tree", "logistic", "1", "-0.250", "—", "0%", "100%"]
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


def test_the_cost_table_gives_each_entrys_cpu_seconds_against_the_boosted_rung_on_its_worker(client, grids):
    learner = sign_up(client, "lea")
    html = client.get("/grids/models", headers=learner.headers).text
    costs = {row[0]: row[1:] for row in _rows(html, "costs")}
    # cells, median CPU s, total CPU s, × the boosted-trees rung (2.0 s), rung on the same worker
    assert costs["logistic"] == ["1", "1.00", "1.0", "0.50×", "100%"]
    assert costs["tree"] == ["1", "3.00", "3.0", "1.50×", "100%"]
    assert costs["ladder: boosted-trees"][3] == "1.00×"
    # A timed-out cell cost CPU too; a job that never ran has no CPU time to show.
    assert costs["forest"][3] == "15.00×" and costs["knn"][1:5] == ["—", "—", "—", "—"]


def test_the_complete_cells_board_beside_the_first_leaves_failed_cells_out(client, grids):
    learner = sign_up(client, "lea")
    html = client.get("/grids/models", headers=learner.headers).text
    all_cells = {row[0]: row[1] for row in _rows(html, "board")}
    complete = {row[0]: row[1] for row in _rows(html, "board-complete")}
    assert all_cells["forest"] == "0.000" and all_cells["knn"] == "0.000"  # at the constant rung
    assert set(complete) == {"ladder: boosted-trees", "logistic", "tree", "ladder: constant"}
    assert complete["logistic"] == "0.750" and complete["tree"] == "0.500"
    assert "left out, with no score: forest, knn" in html or "left out, with no score: knn, forest" in html


def test_the_report_is_built_once_per_settled_cell_and_a_new_cell_shows_up(client, grids, monkeypatch):
    from tiltyard.server.pages import grids as grid_pages

    builds = []
    monkeypatch.setattr(grid_pages, "build_report", lambda the_plan: builds.append(1) or build_report(the_plan))
    learner = sign_up(client, "lea")
    waiting = _waiting()
    _settle(waiting, labels={"ladder: constant", "ladder: boosted-trees"})
    first = client.get("/grids/waiting", headers=learner.headers).text
    assert "2 done · 0 failed · 1 pending" in first
    assert set(row[0] for row in _rows(first, "board")) == {"ladder: boosted-trees", "ladder: constant"}
    again = client.get("/grids/waiting", headers=learner.headers).text
    assert len(builds) == 1 and _rows(again, "board") == _rows(first, "board")
    _settle(waiting, labels={"logistic"})
    after = client.get("/grids/waiting", headers=learner.headers).text
    assert len(builds) == 2 and "3 done · 0 failed · 0 pending" in after
    assert {row[0]: row[1] for row in _rows(after, "board")}["logistic"] == "0.750"


def test_a_challenge_where_the_boosted_rung_loses_to_the_constant_is_named_and_has_no_scale(client, arena_home):
    inverted = plan(_spec("inverted", {"logistic": MODELS["logistic"]}, memory_mb=640))
    _enqueue(inverted)
    _settle(inverted, results={**RESULTS, "ladder: boosted-trees": 0.55})
    learner = sign_up(client, "lea")
    html = client.get("/grids/inverted", headers=learner.headers).text
    note = re.search(r'<p id="unscaled">(.*?)</p>', html, re.S).group(1)
    assert "the boosted-trees rung did not beat the constant rung" in note and CHALLENGE in note
    # The raw mean stands; the normalised score (which would read 0.75 as 3.0) is not given.
    assert {row[1]: row for row in _rows(html, "per-challenge")}["logistic"][4:] == ["0.750", "—", "0.750", "—"]
