"""Fault injection: submissions of mixed kinds and sizes arrive while the server and the grading
workers are killed with SIGKILL at random moments; afterwards the store must hold every
submission graded exactly once or rejected with its reason, no job running past its lease, no
report twice, and every board equal to a recomputation from the stored reports.

    python benchmarks/faults.py [--submissions 2000] [--kills 20] [--seconds 600] [--workers 2]
                                [--concurrency 3]

Loopback only, bounded in count and time. Everything happens in a temporary home with the
synthetic challenge of benchmarks/server.py; the server (`python -m tiltyard.server`, grading
nothing itself) and the workers (`tiltyard worker --arena`, each in its own process group, so a
kill takes its pool too, as a machine going down would) share a SQLite store. Prints the counts;
every count under "must be zero" is zero on a run that passes (exit code 0).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd

LEASE_SECONDS = 3
START_PATIENCE = 180  # seconds a (re)started server may take to answer


@dataclass
class Fleet:
    """The server and the workers of one arena, each restartable after a kill."""
    env: dict
    port: int
    workers: int
    logs: Path
    server: subprocess.Popen | None = None
    graders: list[subprocess.Popen] = field(default_factory=list)
    kills: Counter = field(default_factory=Counter)
    starts: list[float] = field(default_factory=list)  # seconds each server start took

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "tiltyard.server", "127.0.0.1", str(self.port)], env=self.env,
            stdout=open(self.logs / "server.log", "ab"), stderr=subprocess.STDOUT)
        began = time.monotonic()
        # Patient: on a loaded machine a start (imports, migrations check) takes tens of seconds.
        while time.monotonic() < began + START_PATIENCE:
            if self.server.poll() is not None:
                raise SystemExit(f"the server exited with {self.server.returncode}; see "
                                 f"{self.logs / 'server.log'}")
            try:
                if httpx.get(f"{self.base}/api/v1/challenges", timeout=2).status_code == 200:
                    self.starts.append(time.monotonic() - began)
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit(f"the server did not answer within {START_PATIENCE} s; see "
                         f"{self.logs / 'server.log'}")

    def start_grader(self, slot: int) -> None:
        grader = subprocess.Popen(
            [str(Path(sys.executable).parent / "tiltyard"), "worker", "--arena", "--concurrency",
             "1", "--lease-seconds", str(LEASE_SECONDS)], env=self.env, start_new_session=True,
            stdout=open(self.logs / f"worker-{slot}.log", "ab"), stderr=subprocess.STDOUT)
        if slot < len(self.graders):
            self.graders[slot] = grader
        else:
            self.graders.append(grader)

    def start(self) -> None:
        self.start_server()
        for slot in range(self.workers):
            self.start_grader(slot)

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL the server or one worker (with its pool), then start it again."""
        slot = rng.randrange(self.workers + 1)
        if slot == self.workers:
            self.server.kill()
            self.server.wait()
            self.kills["server"] += 1
            time.sleep(rng.uniform(0.1, 1.0))
            self.start_server()
        else:
            os.killpg(self.graders[slot].pid, signal.SIGKILL)
            self.graders[slot].wait()
            self.kills["worker"] += 1
            time.sleep(rng.uniform(0.1, 1.0))
            self.start_grader(slot)

    def stop(self) -> None:
        for grader in self.graders:
            if grader.poll() is None:
                os.killpg(grader.pid, signal.SIGTERM)
        if self.server and self.server.poll() is None:
            self.server.terminate()
        for process in [*self.graders, self.server]:
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def mixed_files(valid: list[bytes], rng: random.Random, count: int) -> list[tuple[str, str, bytes]]:
    """(kind, file name, content): valid CSV and Parquet predictions, files the grader rejects
    (wrong columns, garbage), and some too large for the server to accept."""
    files = []
    for n in range(count):
        roll = rng.random()
        content = valid[n % len(valid)]
        if roll < 0.55:
            files.append(("csv", "predictions.csv", content))
        elif roll < 0.75:
            buffer = io.BytesIO()
            pd.read_csv(io.BytesIO(content)).to_parquet(buffer, index=False)
            files.append(("parquet", "predictions.parquet", buffer.getvalue()))
        elif roll < 0.88:
            files.append(("wrong columns", "predictions.csv", b"id,guess\n1,0.5\n2,0.5\n"))
        elif roll < 0.96:
            files.append(("garbage", "predictions.csv", bytes(rng.randrange(256)
                                                              for _ in range(rng.randrange(1, 4096)))))
        else:
            files.append(("too large", "predictions.csv", content * 40))
    return files


def accounts(base: str, learners: int) -> tuple[list[str], int]:
    """Learner tokens, and an open competition (no teams) they all joined."""
    tokens = server_benchmark().sign_up_learners(base, learners)
    with httpx.Client(base_url=base, timeout=60) as http:
        admin = http.post("/api/v1/auth/tokens", json={"username": "admin",
                                                        "password": "admin-password"}).json()
        headers = {"Authorization": f"Bearer {admin['token']}"}
        klass = http.post("/api/v1/classes", json={"name": "faults"}, headers=headers).json()
        now = datetime.now(UTC)
        comp = http.post(f"/api/v1/classes/{klass['id']}/competitions", headers=headers, json={
            "challenge_id": CHALLENGE_ID[0], "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(), "submissions_per_day": 10_000})
        if comp.status_code != 201:
            raise SystemExit(f"could not create the competition: {comp.text}")
        for token in tokens:
            http.post("/api/v1/classes/join", json={"join_code": klass["join_code"]},
                      headers={"Authorization": f"Bearer {token}"})
    return tokens, comp.json()["id"]


CHALLENGE_ID: list[str] = []  # set by run()


def server_benchmark():
    """benchmarks/server.py as a module (its synthetic challenge and sign-ups), by path: the
    benchmarks folder is not a package."""
    spec = importlib.util.spec_from_file_location("server_benchmark",
                                                  Path(__file__).with_name("server.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _post_when_up(http: httpx.Client, url: str, name: str, content: bytes, token: str,
                  patience: float = START_PATIENCE) -> httpx.Response:
    """POST; while the server is down (connection refused: nothing was sent), wait and try
    again. Any other failure, a connection cut mid-request, is raised."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return http.post(url, files={"file": (name, content)},
                             headers={"Authorization": f"Bearer {token}"})
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def send_all(fleet: Fleet, tokens: list[str], comp_id: int, files, concurrency: int,
             answers: Counter, acknowledged: list[int]) -> None:
    """Upload every file (practice or the competition, alternately) from a few clients; a
    connection cut by a kill is counted as lost in flight and not sent again."""
    todo = list(enumerate(files))
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=30) as http:
            while True:
                with lock:
                    if not todo:
                        return
                    n, (kind, name, content) = todo.pop()
                path = (f"/api/v1/competitions/{comp_id}/submissions" if n % 2 else
                        f"/api/v1/challenges/{CHALLENGE_ID[0]}/submissions")
                try:
                    answer = _post_when_up(http, fleet.base + path, name, content,
                                           tokens[n % len(tokens)])
                except httpx.HTTPError:
                    with lock:
                        answers["lost in flight (connection cut by a kill)"] += 1
                    continue
                with lock:
                    if answer.status_code == 202:
                        acknowledged.append(answer.json()["id"])
                        answers[f"accepted ({kind})"] += 1
                    else:
                        answers[f"refused {answer.status_code} {answer.json().get('code')} "
                                f"({kind})"] += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def drain(database_url: str, timeout: float) -> bool:
    """Wait until no submission is received and no job queued or running."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                waiting = connection.execute(text(
                    "SELECT (SELECT count(*) FROM submissions WHERE status = 'received') + "
                    "(SELECT count(*) FROM runner_jobs WHERE status IN ('queued', 'running'))"
                )).scalar()
            if not waiting:
                return True
            time.sleep(0.3)
        return False
    finally:
        engine.dispose()


def audit(fleet: Fleet, database_url: str, reports_dir: Path, acknowledged: list[int],
          tokens: list[str], comp_id: int) -> dict[str, int]:
    """The counts that must be zero."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT s.id, s.status, s.error_code, s.error_message, s.report, s.owner, "
            "s.public_score, s.created_at, e.competition_id FROM submissions s "
            "JOIN arena_entries e ON e.submission_id = s.id")).all()
        jobs = connection.execute(text(
            "SELECT payload, status, lease_expires_at FROM runner_jobs "
            "WHERE kind = 'grade_submission'")).all()
        stamp = connection.execute(text(
            "SELECT value FROM store_counters WHERE name = 'grades'")).scalar() or 0
    engine.dispose()
    import json

    now = datetime.now(UTC)
    jobs_of = Counter(json.loads(p)["submission_id"] if isinstance(p, str) else p["submission_id"]
                      for p, _, _ in jobs)
    stored = {row.id: row for row in rows}
    with_report = [row for row in rows if row.report is not None]
    problems = {
        "acknowledged but not stored": len(set(acknowledged) - set(stored)),
        "still received (stuck)": sum(row.status == "received" for row in rows),
        "rejected without a reason": sum(row.status == "rejected" and not (
            row.error_code and row.error_message) for row in rows),
        "graded without a report": sum(row.status == "graded" and row.report is None
                                       for row in rows),
        "without exactly one grading job": sum(jobs_of[i] != 1 for i in stored),
        "jobs running past their lease": sum(
            status == "running" and lease is not None and
            (lease if lease.tzinfo else datetime.fromisoformat(str(lease)).replace(tzinfo=UTC))
            < now for _, status, lease in jobs),
        # The grades stamp counts each first grade, and each submission its job failed for
        # good (record_grading_failure); nothing else moves it in this run.
        "grades recorded twice": stamp - len(with_report) - sum(
            row.error_code == "grading_failed" for row in rows),
        "report files missing or differing": sum(
            not (reports_dir / f"{row.id}.json").is_file() or json.loads(
                (reports_dir / f"{row.id}.json").read_text())["status"] != row.status
            for row in with_report),
        "board rows differing from a recomputation": 0,
    }
    boards = {None: httpx.get(f"{fleet.base}/api/v1/challenges/{CHALLENGE_ID[0]}/leaderboard",
                              timeout=30).json(),
              comp_id: httpx.get(f"{fleet.base}/api/v1/competitions/{comp_id}/leaderboard",
                                 headers={"Authorization": f"Bearer {tokens[0]}"},
                                 timeout=30).json()}
    for competition, board in boards.items():
        higher = board["direction"] == "maximize"
        best: dict[str, tuple] = {}
        for row in rows:
            if row.status != "graded" or row.competition_id != competition:
                continue
            report = json.loads(row.report) if isinstance(row.report, str) else row.report
            score = report["public_scores"][report["primary_metric"]]
            count, top = best.get(row.owner, (0, None))
            top = score if top is None else (max if higher else min)(top, score)
            best[row.owner] = (count + 1, top)
        shown = {r["who"]: (r["submissions"], r["public_score"]) for r in board["rows"]
                 if not r["baseline"]}
        problems["board rows differing from a recomputation"] += sum(
            who not in shown or shown[who][0] != n or abs(shown[who][1] - top) > 1e-9
            for who, (n, top) in best.items()) + len(set(shown) - set(best))
    return problems


def run(*, home: Path, env: dict, challenge_id: str, valid: list[bytes], submissions: int,
        kills: int, seconds: float, workers: int = 2, learners: int = 8, seed: int = 0,
        concurrency: int = 3, port: int
        ) -> tuple[Counter, Counter, dict[str, int], Counter, list[float]]:
    """One fault-injection run; returns (upload answers, stored outcomes, problems, kills,
    seconds each server start took)."""
    CHALLENGE_ID[:] = [challenge_id]
    rng = random.Random(seed)
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    fleet = Fleet(env=env, port=port, workers=workers, logs=logs)
    database_url = env.get("TILTYARD_DATABASE_URL") or f"sqlite:///{home / 'tiltyard.db'}"
    answers: Counter = Counter()
    acknowledged: list[int] = []
    fleet.start()
    try:
        tokens, comp_id = accounts(fleet.base, learners)
        files = mixed_files(valid, rng, submissions)
        sender = threading.Thread(target=send_all, args=(fleet, tokens, comp_id, files,
                                                         concurrency, answers, acknowledged))
        started = time.monotonic()
        sender.start()
        # At random moments spread over the whole upload (each the moment a random number of
        # uploads has been answered), while others are being graded; none past 60% of the time.
        for moment in sorted(rng.randrange(submissions) for _ in range(kills)):
            while sender.is_alive() and sum(list(answers.values())) < moment:
                time.sleep(rng.uniform(0.01, 0.1))
            if time.monotonic() - started > 0.6 * seconds:
                break
            fleet.kill_one(rng)
        sender.join(max(1.0, seconds - (time.monotonic() - started)))
        if sender.is_alive():
            raise SystemExit(f"the uploads did not finish within {seconds:.0f} s")
        drained = drain(database_url, max(30.0, seconds - (time.monotonic() - started)))
        problems = audit(fleet, database_url, home / "reports", acknowledged, tokens, comp_id)
        problems["not drained in time"] = int(not drained)
    finally:
        fleet.stop()
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        outcomes = Counter(f"{status}" + (f" ({code})" if code else "") for status, code in
                           connection.execute(text("SELECT status, error_code FROM submissions")))
    engine.dispose()
    return answers, outcomes, problems, fleet.kills, fleet.starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=600, help="bound on the whole run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=3, help="clients uploading at once")
    args = parser.parse_args()
    bench = server_benchmark()

    home = Path(tempfile.mkdtemp(prefix="tiltyard-faults-"))
    catalog = home / "catalog"
    bench.make_challenge(catalog, test_rows=2_000)
    env = {**os.environ, "TILTYARD_HOME": str(home), "TILTYARD_CATALOG_DIR": str(catalog),
           "TILTYARD_ARENA_CATALOG_DIR": str(catalog), "TILTYARD_ADMIN_USERNAME": "admin",
           "TILTYARD_ADMIN_PASSWORD": "admin-password", "TILTYARD_GRADING_WORKERS": "0",
           "TILTYARD_SUBMISSIONS_PER_MINUTE": "100000",
           "TILTYARD_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
           "TILTYARD_PRACTICE_SUBMISSIONS_PER_DAY": "100000",
           "TILTYARD_MAX_SUBMISSION_MB": "0.5"}
    env.pop("TILTYARD_DATABASE_URL", None)
    started = time.monotonic()
    answers, outcomes, problems, kills, starts = run(
        home=home, env=env, challenge_id=bench.CHALLENGE, valid=bench.prediction_files(catalog, 8),
        submissions=args.submissions, kills=args.kills, seconds=args.seconds,
        workers=args.workers, seed=args.seed, concurrency=args.concurrency,
        port=bench.free_port())
    print(f"{sum(answers.values())} uploads in {time.monotonic() - started:.0f} s; killed "
          f"the server {kills['server']} times and a worker {kills['worker']} times (SIGKILL); "
          f"the server's starts took {min(starts):.1f}-{max(starts):.1f} s")
    for title, counts in (("answers to the uploads", answers), ("stored submissions", outcomes)):
        print(f"{title}:")
        for name, count in sorted(counts.items()):
            print(f"  {count:6d}  {name}")
    print("must be zero:")
    for name, count in problems.items():
        print(f"  {count:6d}  {name}")
    print(f"home kept for inspection: {home}")
    raise SystemExit(1 if any(problems.values()) else 0)


if __name__ == "__main__":
    main()
