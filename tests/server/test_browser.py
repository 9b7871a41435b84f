"""Debian's Chromium, driven by Playwright, through sign-up, a submission and the leaderboard."""

from __future__ import annotations

import os
import shutil

import pytest
from arena_helpers import CHALLENGE, free_port, predictions_csv, start_server

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_url(arena_home, tmp_path):
    env = {key: value for key, value in os.environ.items() if key.startswith("TILTYARD_")}
    port = free_port()
    server = start_server(env, port, tmp_path / "server.log")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        yield context.new_page()
        browser.close()


@pytest.mark.parametrize("arena_home", ["sqlite"], indirect=True)
def test_sign_up_submit_and_see_the_leaderboard(live_url, page, titanic_bundle, tmp_path):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_url}/signup")
    page.fill("input[name=username]", "browser-ann")
    page.fill("input[name=password]", "password-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/me")
    assert "browser-ann" in page.inner_text("h1")

    predictions = tmp_path / "submission.csv"
    predictions.write_bytes(predictions_csv(titanic_bundle, seed=3))
    page.goto(f"{live_url}/challenges/{CHALLENGE}")
    page.set_input_files("input[type=file]", str(predictions))
    page.click("text=Submit predictions")
    page.wait_for_url(f"{live_url}/submissions/*")
    # HTMX polls the status until the grader is done, then the page reloads with the charts.
    page.wait_for_selector(".status-graded", timeout=30_000)
    page.wait_for_selector("#chart-ladder svg", timeout=30_000)
    page.wait_for_selector("#chart-confusion svg", timeout=30_000)  # accuracy: a label metric
    score = page.inner_text(".status-graded strong")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    page.goto(f"{live_url}/challenges/{CHALLENGE}/leaderboard")
    rows = page.locator("#leaderboard tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    mine = [t for t in texts if "browser-ann" in t]
    assert mine and score in mine[0]
    assert page.locator("#leaderboard tr.baseline").count() == len(titanic_bundle.manifest.baselines)
    assert not errors, errors
