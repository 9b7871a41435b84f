"""The planted-mistakes suite: every check must catch its planted mistake, and the sound
reference solutions must raise no serious finding.

Prints the detection table; fails below 100% detection or above zero false alarms.
Flights are coached on a 20 000-row stratified sample to keep the suite within minutes.
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from planted import PLANTED
from solutions import REFERENCES
from tiltyard.coach.challenge import coach_challenge

FLIGHT_ROWS = 20_000


def _coach(challenge, folder, **kwargs):
    kwargs.setdefault("history", [])
    rows = FLIGHT_ROWS if challenge.id.startswith("flight") else None
    # One BLAS/OpenMP thread: on a busy 2-core machine, spinning threads cost more than they give.
    with threadpool_limits(limits=1):
        return coach_challenge(challenge, max_rows=rows, progress=False, record=False,
                               folder=folder, **kwargs)


@pytest.fixture(scope="module")
def challenges(catalog):
    import tiltyard

    return {cid: tiltyard.load(cid) for cid in catalog if cid in REFERENCES}


@pytest.fixture(scope="module")
def planted_results(challenges, tmp_path_factory):
    results = []
    for index, planted in enumerate(PLANTED):
        challenge = challenges[planted.challenge]
        report = _coach(challenge, tmp_path_factory.mktemp(f"planted{index}"), **planted.make(challenge))
        results.append((planted, report))
    return results


@pytest.fixture(scope="module")
def reference_results(challenges, tmp_path_factory):
    results = []
    for challenge_id, builders in REFERENCES.items():
        for build in builders:
            report = _coach(challenges[challenge_id], tmp_path_factory.mktemp(build.__name__), model=build())
            results.append((challenge_id, build.__name__, report))
    return results


def test_every_planted_mistake_is_detected(planted_results):
    lines = [f"{'finding':28} {'challenge':22} {'detected':9} planted mistake"]
    detected = 0
    for planted, report in planted_results:
        found = report.get(planted.finding)
        detected += found is not None
        verdict = found.severity.value if found else "MISSED"
        lines.append(f"{planted.finding:28} {planted.challenge:22} {verdict:9} {planted.story}")
    rate = detected / len(planted_results)
    checks = len({p.finding for p, _ in planted_results})
    lines.append(f"detection rate: {detected}/{len(planted_results)} = {rate:.0%} over {checks} finding ids")
    print("\n" + "\n".join(lines))
    missed = [p.finding + " on " + p.challenge for p, r in planted_results if r.get(p.finding) is None]
    assert not missed, f"planted mistakes not detected: {missed}"


def test_references_raise_no_serious_finding(reference_results):
    lines = []
    false_alarms = []
    for challenge_id, name, report in reference_results:
        serious = [f.id for f in report.serious]
        others = [f"{f.id} ({f.severity.value})" for f in report.findings if f.id not in serious]
        false_alarms += [f"{name}: {finding}" for finding in serious]
        lines.append(f"{challenge_id:22} {name:18} cv {report.scores['cross_validated']:.4f}  "
                     f"serious: {serious or 'none'}  other: {others or 'none'}")
    lines.append(f"false alarms on references: {len(false_alarms)}")
    print("\n" + "\n".join(lines))
    assert not false_alarms, f"serious findings on sound reference solutions: {false_alarms}"


def test_findings_carry_evidence_a_next_step_and_a_known_lesson(planted_results):
    from tiltyard.coach.lesson_book import all_lessons

    for planted, report in planted_results:
        for finding in report.findings:
            assert finding.evidence and finding.next_steps, finding.id
            assert finding.lesson in all_lessons(), f"{finding.id} opens unknown lesson {finding.lesson}"
            if finding.plot is not None:
                assert finding.plot.is_file() and finding.plot.stat().st_size > 1000


def test_charts_and_report_are_saved_beside_each_other(planted_results):
    planted, report = next((p, r) for p, r in planted_results if p.finding == "overfitting")
    path = report.save()
    assert path.parent == report.folder
    assert report.get("overfitting").plot.parent == report.folder
    import json

    saved = json.loads(path.read_text())
    assert saved["findings"][0]["id"] in report.ids and saved["scores"]["folds"] == 5
