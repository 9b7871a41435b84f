"""Debian's Chromium, driven by Playwright, through sign-up, a submission and the leaderboard."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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
    server.wait(60)


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
    # A first grade imports the grading stack in a fresh worker process: slow on a busy machine.
    page.wait_for_selector(".status-graded", timeout=120_000)
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


VENDOR = Path(__file__).parents[2] / "src/tiltyard/server/static/vendor"


def rendered(page, spec: dict, width: int = 420) -> dict:
    """Draw a Vega-Lite spec with the vendored libraries, as the pages do; return what a
    reader sees: each axis's tick labels, and where given scores land on the x axis."""
    page.set_content(f'<div id="chart" style="width: {width}px"></div>')
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        page.add_script_tag(path=str(VENDOR / name))
    return page.evaluate("""async (spec) => {
        const result = await vegaEmbed('#chart', spec, {actions: false, renderer: 'svg'});
        const axes = {};
        document.querySelectorAll('#chart g.role-axis').forEach((axis) => {
            const which = (axis.getAttribute('aria-label') || '').startsWith('Y') ? 'y' : 'x';
            axes[which] = Array.from(axis.querySelectorAll('.role-axis-label text'),
                                     (t) => t.textContent);
        });
        const x = result.view.scale('x');  // undefined for a chart without one
        const svg = document.querySelector('#chart svg').getBoundingClientRect();
        const title = document.querySelector('#chart .role-title');
        return {axes, x077: x && x(0.77), x080: x && x(0.80), width: result.view.width(),
                drawn_width: svg.width,
                title_right: title ? title.getBoundingClientRect().right - svg.left : 0};
    }""", spec)


def _report(score: float, ladder: dict[str, float], direction: str = "maximize"):
    from datetime import UTC, datetime

    from tiltyard import Report

    return Report(submission_id=7, kind="table", challenge_id="c-v1", challenge_title="C", bundle_hash="h",
                  submission_sha256="s", filename="f.csv", submitted_at=datetime.now(UTC),
                  status="graded", primary_metric="accuracy", direction=direction,
                  public_scores={"accuracy": score},
                  ladder=[{"name": n, "description": n, "public_score": v}
                          for n, v in ladder.items()])


def _history(*scores):
    from datetime import UTC, datetime
    from types import SimpleNamespace

    return [SimpleNamespace(id=i + 7, public_score=s, created_at=datetime.now(UTC))
            for i, s in enumerate(scores)]


@pytest.mark.parametrize("score", [0.7966, 0.2162])
def test_one_submission_gets_a_readable_score_axis(page, score):
    from tiltyard.server.charts import report_charts

    spec = report_charts(_report(score, {}), _history(score))["history"]
    ticks = rendered(page, spec)["axes"]["y"]
    assert len(ticks) >= 3 and len(set(ticks)) == len(ticks), ticks
    values = [float(t) for t in ticks]
    assert values[0] < score < values[-1] or values[-1] < score < values[0], ticks
    assert all(len(t.split(".")[-1]) <= 4 for t in ticks), ticks  # the pages' 4 decimals


def test_the_ladder_shows_the_gap_between_close_scores(page):
    from tiltyard.server.charts import report_charts

    spec = report_charts(_report(0.80, {"constant": 0.62, "forest": 0.77}), [])["ladder"]
    drawn = rendered(page, spec)
    # 0.77 and 0.80 sit a good part of the chart apart, not 11 px on an axis from 0.
    assert drawn["x080"] - drawn["x077"] > drawn["width"] / 8, drawn


def test_the_instructors_charts_have_round_bins_and_whole_counts(page):
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from tiltyard.server.dashboard import CompetitionSummary, Standing, charts

    scores = [0.77, 0.78, 0.785, 0.79, 0.80, 0.81]
    opens = datetime(2026, 12, 1, 9, tzinfo=UTC)
    summary = CompetitionSummary(
        competition=SimpleNamespace(opens_at=opens, closes_at=opens + timedelta(days=7)),
        state="open", metric="accuracy", direction="maximize",
        standings=[Standing(username=f"l{i}", best_public=s) for i, s in enumerate(scores)],
        baselines=[("constant", 0.62), ("forest", 0.79)], per_day={"2026-12-01": 1})
    per_day = rendered(page, charts(summary)["per_day"])["axes"]["y"]
    assert per_day == ["0", "1"] or per_day == ["1", "0"], per_day  # not "0", "1", "1"
    day_bar = page.evaluate("() => ({width: document.querySelector('#chart g.mark-rect path')"
                            ".getBBox().width})")
    assert day_bar["width"] < 420 / 5, day_bar  # one day of a week-long competition
    spec = charts(summary)["distribution"]
    drawn = rendered(page, spec)
    counts = drawn["axes"]["y"]
    assert all(float(t).is_integer() for t in counts) and len(set(counts)) == len(counts), counts
    assert counts[0] == "0" or counts[-1] == "0", counts  # bars stand on zero
    widths = page.evaluate("""() => Array.from(
        document.querySelectorAll('#chart g.mark-rect path'), (p) => p.getBBox().width)""")
    assert widths and min(widths) >= 8, widths


DIAGNOSTICS = {
    "confusion": {"labels": ["died", "survived"], "counts": [[30, 5], [6, 20]]},
    "reliability": {"mean_predicted": [.1, .5, .9], "fraction_positive": [.2, .5, .8],
                    "count": [10, 10, 10]},
    "distribution": {"of": "predicted probability", "edges": [i / 10 for i in range(11)],
                     "counts": {"died": list(range(10)), "survived": list(range(10))}},
    "residuals": {"deciles": [{"decile": i, "mean_predicted": 10 + i, "predicted_from": i,
                               "predicted_to": i + 1, "median": i / 10, "p10": -1, "p90": 1,
                               "p25": -.5, "p75": .5, "count": 50} for i in range(10)]},
}


@pytest.mark.parametrize("name", DIAGNOSTICS)
def test_each_report_chart_fits_a_phone_screen_title_included(page, name):
    from tiltyard.kinds.table.charts import diagnostic_charts

    spec = diagnostic_charts({name: DIAGNOSTICS[name]})[name]
    phone_box = 390 - 2 * 16  # the page's side padding
    drawn = rendered(page, spec, width=phone_box)
    assert drawn["drawn_width"] <= phone_box and drawn["title_right"] <= phone_box, drawn


WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def arena_world(live_url, titanic_bundle):
    """Through the API of a running arena: an instructor's class with a competition, and a
    learner with a graded practice submission and a graded competition entry."""
    import time
    from datetime import UTC, datetime, timedelta

    import httpx
    from arena_helpers import login, make_instructor, sign_up

    with httpx.Client(base_url=live_url, timeout=30) as api:
        admin = login(api, "admin", "admin-password")
        teacher, learner = sign_up(api, "ines-teacher"), sign_up(api, "lea-learner")
        make_instructor(api, admin, teacher)
        klass = api.post("/api/v1/classes", json={"name": "Machine learning, spring term"},
                         headers=teacher.headers).json()
        now = datetime.now(UTC)
        competition = api.post(
            f"/api/v1/classes/{klass['id']}/competitions", headers=teacher.headers,
            json={"challenge_id": CHALLENGE, "title": "Titanic: who survives?",
                  "opens_at": (now - timedelta(hours=1)).isoformat(),
                  "closes_at": (now + timedelta(days=7)).isoformat()}).json()
        api.post("/api/v1/classes/join", json={"join_code": klass["join_code"]},
                 headers=learner.headers).raise_for_status()
        files = {"file": ("submission.csv", predictions_csv(titanic_bundle, seed=5), "text/csv")}
        practice = api.post(f"/api/v1/challenges/{CHALLENGE}/submissions", files=files,
                            headers=learner.headers).json()
        entry = api.post(f"/api/v1/competitions/{competition['id']}/submissions", files=files,
                         headers=learner.headers).json()
        deadline = time.monotonic() + 60
        while any(api.get(f"/api/v1/submissions/{s['id']}", headers=learner.headers)
                  .json()["status"] == "received" for s in (practice, entry)):
            assert time.monotonic() < deadline, "grading took over 60 s"
            time.sleep(0.3)
    return {"admin": admin, "teacher": teacher, "learner": learner, "class": klass["id"],
            "competition": competition["id"], "practice": practice["id"]}


@pytest.mark.parametrize("arena_home", ["sqlite"], indirect=True)
def test_every_main_page_fits_a_desktop_and_a_phone_screen(live_url, arena_world, tmp_path):
    """No page scrolls sideways at 1280 or 390 px (wide tables scroll in their own box), no
    request leaves the arena (/docs included), and each page is saved as a screenshot."""
    from playwright.sync_api import sync_playwright

    w = arena_world
    pages = {  # name: (who looks, path)
        "home": ("learner", "/"),
        "challenge": ("learner", f"/challenges/{CHALLENGE}"),
        "leaderboard": ("learner", f"/challenges/{CHALLENGE}/leaderboard"),
        "report": ("learner", f"/submissions/{w['practice']}"),
        "competition": ("learner", f"/competitions/{w['competition']}"),
        "me": ("learner", "/me"),
        "class-dashboard": ("teacher", f"/classes/{w['class']}"),
        "admin": ("admin", "/admin/users"),
        "api-docs": ("learner", "/docs"),
    }
    overflows, outside, errors = {}, [], []

    def local_only(route):
        if route.request.url.startswith(live_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for who in ("learner", "teacher", "admin"):
            context = browser.new_context(
                extra_http_headers={"Authorization": f"Bearer {w[who].token}"})
            context.route("**/*", local_only)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            for name, (viewer, path) in pages.items():
                if viewer != who:
                    continue
                for size, width in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(live_url + path)
                    page.wait_for_load_state("networkidle")
                    if name == "api-docs":
                        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
                    for chart in page.locator("div.chart").all():
                        chart.locator("svg").wait_for(timeout=20_000)
                    page.screenshot(path=str(tmp_path / f"{name}-{size}.png"), full_page=True)
                    if name == "home":  # each challenge's leaderboard link in view, unscrolled
                        link = page.locator(f"a[href='/challenges/{CHALLENGE}/leaderboard']")
                        assert link.bounding_box()["x"] + link.bounding_box()["width"] <= width
                    wide = page.evaluate("""() => {
                        const limit = window.innerWidth + 1;
                        if (document.scrollingElement.scrollWidth <= limit) return null;
                        return Array.from(document.querySelectorAll('body *'))
                            .filter((e) => e.getBoundingClientRect().right > limit)
                            .slice(0, 5).map((e) => e.tagName + '.' + e.className);
                    }""")
                    if wide is not None:
                        overflows[f"{name} at {width} px"] = wide
            context.close()
        browser.close()
    print(f"screenshots in {tmp_path}")
    assert not overflows, overflows
    assert not outside, outside
    assert not errors, errors
