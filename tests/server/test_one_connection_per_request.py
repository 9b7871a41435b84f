"""A request holds at most one database connection at a time. On PostgreSQL each server
process keeps a fixed pool, smaller than its request threads: were a request to take a second
connection while holding its first, a burst in which every pooled connection's holder asked
for a second would wait for ever (``benchmarks/server.py --postgres`` stopped that way on the
competition page). Counted here on any store, from the pool's own checkouts."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from arena_helpers import CHALLENGE, class_with_competition, grade_all, join_class, predictions_csv
from sqlalchemy import event

from tiltyard.server.grading import forget_grades_version
from tiltyard.store.database import get_engine


@pytest.fixture
def most_held():
    """How many connections each thread held at most at once, while the test ran."""
    engine = get_engine()
    held: Counter[int] = Counter()
    most: Counter[int] = Counter()
    lock = threading.Lock()

    def checkout(_connection, record, _proxy):
        thread = threading.get_ident()
        record.info["thread"] = thread
        with lock:
            held[thread] += 1
            most[thread] = max(most[thread], held[thread])

    def checkin(_connection, record):
        with lock:
            held[record.info.pop("thread", None)] -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    yield most
    event.remove(engine, "checkout", checkout)
    event.remove(engine, "checkin", checkin)


def test_pages_and_boards_hold_one_connection_while_grades_change(client, titanic_bundle, most_held):
    _, klass, competition = class_with_competition(client)
    learner = join_class(client, klass, "lea")
    uploads = (f"/api/v1/competitions/{competition['id']}/submissions",
               f"/api/v1/challenges/{CHALLENGE}/submissions")

    def upload(seed):
        for path in uploads:
            answer = client.post(path, headers=learner.headers, files={
                "file": ("p.csv", predictions_csv(titanic_bundle, seed=seed))})
            assert answer.status_code == 202, answer.text

    upload(seed=1)
    grade_all()  # the grader is no request: it may hold the queue's session beside its own
    most_held.clear()
    upload(seed=2)
    for url in (f"/competitions/{competition['id']}",
                f"/api/v1/competitions/{competition['id']}/leaderboard",
                f"/challenges/{CHALLENGE}/leaderboard", f"/api/v1/challenges/{CHALLENGE}/leaderboard",
                f"/challenges/{CHALLENGE}", "/"):
        forget_grades_version()  # as after a grade: the stamp is read again, on the way
        answer = client.get(url, headers=learner.headers)
        assert answer.status_code == 200, (url, answer.text)
    assert most_held, "no connection was counted: is the test's engine the app's?"
    assert max(most_held.values()) == 1, f"a request held {max(most_held.values())} connections at once"
