"""The README's two set-up commands are the ones CI and users run."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_COMMAND = "python -m pip install -e '.[test]' && python -m pytest -q"
MAIN_COMMAND = "pip install -e . && w2v train"


def test_ci_runs_the_readme_test_command():
    readme_lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert TEST_COMMAND in readme_lines
    assert TEST_COMMAND in ci_lines
    assert MAIN_COMMAND in readme_lines
