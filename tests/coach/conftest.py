import sys
from pathlib import Path

# The planted mistakes and reference solutions are plain modules beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
