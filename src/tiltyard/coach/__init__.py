"""The coach: named checks that look at what a learner did and say what went wrong.

>>> report = coach_challenge(tiltyard.load("titanic-v1"), model)     # or ch.coach(model)
>>> render_report(report)

The core takes plain inputs (:class:`Case`); ``coach_challenge`` builds one from a challenge.
"""

from tiltyard.coach.case import BaselineScore, Case
from tiltyard.coach.challenge import coach_challenge, load_build_model
from tiltyard.coach.findings import CoachReport, Finding, Severity
from tiltyard.coach.lesson_book import Lesson, all_lessons, get_lesson
from tiltyard.coach.runner import coach_model, coach_predictions

__all__ = ["Case", "CoachReport", "Finding", "Lesson", "BaselineScore", "Severity", "all_lessons",
           "coach_challenge", "coach_model", "coach_predictions",
           "get_lesson", "load_build_model"]
