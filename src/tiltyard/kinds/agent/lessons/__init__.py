"""The agent kind's lessons (markdown pages, one per file), listed in the ``tiltyard.lessons``
entry-point group so the coach's lesson book reads them beside its own."""

from pathlib import Path

FOLDER = Path(__file__).parent
