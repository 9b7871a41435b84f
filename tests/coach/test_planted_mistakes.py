"""The planted-mistakes suite: every check must catch its planted mistake, and the sound
reference solutions must raise no serious finding.

Prints the detection table; fails below 100% detection or above zero false alarms.
Flights are coached on a 20 000-row stratified sample to keep the suite within minutes.
"""

from __future__ import annotations

import pytest
from planted import PLANTED
from solutions import REFERENCES
from threadpoolctl import threadpool_limits

from tiltyard.coach.challenge import coach_challenge

FLIGHT_ROWS = 20_000

pytestmark = pytest.mark.slow  # 26 planted mistakes and 8 references, each coached whole


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

    for _planted, report in planted_results:
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


def _report_for(planted_results, finding_id):
    return next((p, r) for p, r in planted_results if p.finding == finding_id)


def test_on_a_time_split_the_coach_validates_in_time_order_and_catches_what_shuffling_flatters(
        planted_results, reference_results, challenges):
    import dataclasses

    from tiltyard.coach.challenge import case_from_challenge
    from tiltyard.coach.runner import coach_model

    planted, in_time = _report_for(planted_results, "time-trend-feature")
    assert in_time.scores["time_ordered"] and "forward-chaining" in in_time.scores["validation"]
    finding = in_time.get("time-trend-feature")
    assert finding.severity.value == "serious" and "day_of_year" in finding.evidence
    assert "validated in time order" in finding.evidence
    # The same model judged on shuffled folds looks far better and raises nothing serious:
    # that flattering score is what a learner would have trusted.
    flights = challenges[planted.challenge]
    made = planted.make(flights)
    case = case_from_challenge(flights, X_train=made["X_train"], X_test=made["X_test"], history=[],
                               max_rows=FLIGHT_ROWS)
    with threadpool_limits(limits=1):
        shuffled = coach_model(dataclasses.replace(case, time_ordered=False), made["model"], progress=False)
    assert not shuffled.scores["time_ordered"]
    assert shuffled.scores["cross_validated"] > in_time.scores["cross_validated"] + 0.05
    assert shuffled.serious == []
    flight_reference = next(r for cid, _, r in reference_results if cid == "flight-delays-v1")
    assert flight_reference.scores["time_ordered"] and flight_reference.serious == []
    titanic_reference = next(r for cid, _, r in reference_results if cid == "titanic-v1")
    assert not titanic_reference.scores["time_ordered"]


def test_bias_and_variance_findings_show_a_learning_curve_beside_the_report(planted_results):
    for finding_id in ("overfitting", "underfitting"):
        _, report = _report_for(planted_results, finding_id)
        finding = report.get(finding_id)
        assert finding.plot.name == "learning_curve.png" and finding.plot.parent == report.folder
        assert [p.name for p in finding.extra_plots] == ["bias_variance.png"]
        curve = finding.numbers["learning_curve"]
        assert curve["rows"] == sorted(curve["rows"]) and len(curve["rows"]) == 4
        assert "Learning curve" in finding.evidence
    from tiltyard.metrics import get_metric

    _, overfit = _report_for(planted_results, "overfitting")
    curve = overfit.get("overfitting").numbers["learning_curve"]
    metric = get_metric(overfit.scores["metric"])
    # An unpruned tree: at every size it scores better on its own rows than on new ones.
    assert all(metric.better(t, v) for t, v in zip(curve["train"], curve["validation"]))


def test_the_learning_curve_is_drawn_only_when_a_bias_or_variance_finding_fires(reference_results):
    for _, name, report in reference_results:
        fired = {"overfitting", "underfitting"} & set(report.ids)
        assert (report.folder / "learning_curve.png").exists() == bool(fired), name
