"""Lessons: short markdown pages in coach/lessons/, each opened by the findings that need it.

A kind keeps the lessons of its own findings in its own package and lists the folder as an
entry point in the ``tiltyard.lessons`` group (``agent = "tiltyard.kinds.agent.lessons:FOLDER"``);
a page here keeps its id if a plugin's page has the same one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path

from tiltyard.errors import TiltyardError, did_you_mean

LESSONS_FOLDER = Path(__file__).parent / "lessons"
GROUP = "tiltyard.lessons"
SNIPPET = re.compile(r"```python\n(.*?)```", re.S)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    markdown: str

    @property
    def snippet(self) -> str:
        """The runnable example of the page (every lesson has exactly one)."""
        found = SNIPPET.search(self.markdown)
        return found.group(1) if found else ""


@lru_cache(maxsize=1)
def all_lessons() -> dict[str, Lesson]:
    lessons = {}
    folders = [LESSONS_FOLDER, *(Path(point.load()) for point in entry_points(group=GROUP))]
    for path in (page for folder in folders for page in sorted(folder.glob("*.md"))):
        if path.stem in lessons:
            continue
        text = path.read_text(encoding="utf-8")
        title = text.splitlines()[0].lstrip("# ").strip()
        lessons[path.stem] = Lesson(id=path.stem, title=title, markdown=text)
    return lessons


def get_lesson(lesson_id: str) -> Lesson:
    lessons = all_lessons()
    if lesson_id in lessons:
        return lessons[lesson_id]
    raise TiltyardError(f"No lesson {lesson_id!r}", expected="one of " + ", ".join(lessons),
                        got=lesson_id, hint=did_you_mean(lesson_id, lessons, cutoff=0.6)
                        or "Run `tiltyard lessons --all` to list every lesson", code="lesson_not_found")
