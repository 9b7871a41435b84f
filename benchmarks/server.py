"""Arena speed: the leaderboard page and the submission endpoint under a bounded load, beside a
minimal FastAPI endpoint on the same machine (the ceiling).

    python benchmarks/server.py [--rate 200] [--seconds 10] [--submissions 100]

The load generator (asyncio + httpx) runs on the same 2 cores as the server, so figures are a
floor. Latency is counted from each request's scheduled start (no coordinated omission).
No built-in challenge has exactly 10,000 test rows; the submission load uses flight-delays-v1,
whose files have 84,292 rows (stricter than the goal's 10,000).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

SUBMIT_CHALLENGE = "flight-delays-v1"
BOARD_CHALLENGE = "titanic-v1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def start(args: list[str], env: dict, url: str) -> subprocess.Popen:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(url, process)
    return process


CEILING_APP = textwrap.dedent("""
    import sys, uvicorn
    from fastapi import FastAPI
    app = FastAPI()
    @app.get("/ping")
    def ping():
        return {"ok": True}
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
""")


async def paced_gets(url: str, rate: float, seconds: float) -> dict:
    total = int(rate * seconds)
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        start = time.perf_counter()

        async def one(i: int) -> None:
            nonlocal failures
            scheduled = start + i / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            response = await client.get(url)
            if response.status_code != 200:
                failures += 1
            latencies.append(time.perf_counter() - scheduled)

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return summary(latencies, elapsed, failures)


def summary(latencies: list[float], elapsed: float, failures: int) -> dict:
    values = np.array(latencies) * 1000
    return {"requests": len(latencies), "req_per_s": len(latencies) / elapsed,
            "p50_ms": float(np.percentile(values, 50)), "p99_ms": float(np.percentile(values, 99)),
            "failures": failures}


async def submissions(base: str, token: str, files: list[bytes], concurrency: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    failures = 0
    ids: list[int] = []
    queue = list(enumerate(files))
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
        start = time.perf_counter()

        async def worker() -> None:
            nonlocal failures
            while queue:
                _, content = queue.pop()
                sent = time.perf_counter()
                response = await client.post(f"/api/v1/challenges/{SUBMIT_CHALLENGE}/submissions",
                                             files={"file": ("p.csv", content, "text/csv")})
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 202:
                    failures += 1
                else:
                    ids.append(response.json()["id"])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        accepted = time.perf_counter() - start
        while True:  # until the grader has done them all
            statuses = [s["status"] for s in (await client.get(
                "/api/v1/submissions", params={"challenge_id": SUBMIT_CHALLENGE})).json()]
            if "received" not in statuses:
                break
            await asyncio.sleep(0.2)
        graded = time.perf_counter() - start
    result = summary(latencies, accepted, failures)
    result["graded"] = statuses.count("graded")
    result["graded_per_s"] = len(ids) / graded
    return result


def prediction_files(catalog: Path, count: int) -> list[bytes]:
    from tiltyard.challenges.bundle import Bundle

    bundle = Bundle(catalog / SUBMIT_CHALLENGE)
    task = bundle.manifest.task
    test = pd.read_csv(bundle.public_file("test.csv"), usecols=[task.id_column])
    rng = np.random.default_rng(0)
    return [pd.DataFrame({task.id_column: test[task.id_column],
                          task.target: rng.random(len(test)).round(4)}).to_csv(index=False).encode()
            for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    from tiltyard.challenges.registry import build
    from tiltyard.config import get_settings

    catalog = get_settings().catalog_dir  # reuse the built catalog; the store is fresh
    build([BOARD_CHALLENGE, SUBMIT_CHALLENGE])
    home = Path(tempfile.mkdtemp(prefix="tiltyard-bench-"))
    env = {**os.environ, "TILTYARD_HOME": str(home), "TILTYARD_CATALOG_DIR": str(catalog),
           "TILTYARD_ADMIN_USERNAME": "admin", "TILTYARD_ADMIN_PASSWORD": "admin-password",
           "TILTYARD_SUBMISSIONS_PER_MINUTE": "100000", "TILTYARD_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
           "TILTYARD_PRACTICE_SUBMISSIONS_PER_DAY": "100000"}
    env.pop("TILTYARD_DATABASE_URL", None)
    ceiling_port, arena_port = free_port(), free_port()
    ceiling = start([sys.executable, "-c", CEILING_APP, str(ceiling_port)], env,
                    f"http://127.0.0.1:{ceiling_port}/ping")
    arena = start([sys.executable, "-m", "tiltyard.server", "127.0.0.1", str(arena_port)], env,
                  f"http://127.0.0.1:{arena_port}/api/v1/challenges")
    base = f"http://127.0.0.1:{arena_port}"
    try:
        # A leaderboard with 50 learners on it, each with 4 graded submissions.
        titanic = Path(catalog) / BOARD_CHALLENGE
        from tiltyard.challenges.bundle import Bundle

        task = Bundle(titanic).manifest.task
        test = pd.read_csv(titanic / "public" / "test.csv", usecols=[task.id_column])
        rng = np.random.default_rng(1)
        with httpx.Client(base_url=base, timeout=60) as http:
            for n in range(50):
                http.post("/api/v1/auth/signup", json={"username": f"learner{n:02d}", "password": "password-123"})
                token = http.post("/api/v1/auth/tokens", json={"username": f"learner{n:02d}",
                                                               "password": "password-123"}).json()["token"]
                for _ in range(4):
                    content = pd.DataFrame({task.id_column: test[task.id_column], task.target: rng.choice(
                        task.classes, len(test))}).to_csv(index=False).encode()
                    http.post(f"/api/v1/challenges/{BOARD_CHALLENGE}/submissions", files={"file": ("p.csv", content)},
                              headers={"Authorization": f"Bearer {token}"})
            submitter = http.post("/api/v1/auth/tokens", json={"username": "admin",
                                                                "password": "admin-password"}).json()["token"]
            while any(s["status"] == "received" for s in http.get(  # let the grader finish
                    "/api/v1/submissions", headers={"Authorization": f"Bearer {token}"}).json()):
                time.sleep(0.5)
            time.sleep(2)
        results = {
            "ceiling GET /ping": asyncio.run(paced_gets(f"http://127.0.0.1:{ceiling_port}/ping",
                                                        args.rate, args.seconds)),
            "leaderboard page (HTML)": asyncio.run(paced_gets(
                f"{base}/challenges/{BOARD_CHALLENGE}/leaderboard", args.rate, args.seconds)),
            "leaderboard API (JSON)": asyncio.run(paced_gets(
                f"{base}/api/v1/challenges/{BOARD_CHALLENGE}/leaderboard", args.rate, args.seconds)),
        }
        files = prediction_files(Path(catalog), args.submissions)
        results[f"submit {SUBMIT_CHALLENGE} ({len(files[0]) / 1e6:.1f} MB, 84,292 rows)"] = \
            asyncio.run(submissions(base, submitter, files, args.concurrency))
    finally:
        arena.terminate()
        ceiling.terminate()
    print(f"{'endpoint':<52} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5}  notes")
    for name, r in results.items():
        notes = (f"graded {r['graded']} at {r['graded_per_s']:.1f}/s" if "graded" in r
                 else f"offered {args.rate:.0f}/s for {args.seconds:.0f} s")
        print(f"{name:<52} {r['req_per_s']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
              f"{r['failures']:5d}  {notes}")
    ceiling_p99 = results["ceiling GET /ping"]["p99_ms"]
    board_p99 = results["leaderboard page (HTML)"]["p99_ms"]
    print(f"leaderboard page p99 / ceiling p99: {board_p99 / ceiling_p99:.1f}x "
          f"(goal: p99 under 50 ms at 200 req/s)")


if __name__ == "__main__":
    main()
