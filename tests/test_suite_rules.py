"""The test suite's own rules: a missing optional tool skips a module, saying why, instead of
breaking the collection."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.slow  # a pytest run of its own
def test_the_browser_tests_skip_without_selenium_saying_why(tmp_path):
    hidden = tmp_path / "selenium"
    hidden.mkdir()
    (hidden / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named selenium", name="selenium")\n')
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/test_page.py"], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert done.returncode in (0, 5), done.stdout[-2000:] + done.stderr[-2000:]  # 5: none ran
    assert "selenium is not installed" in done.stdout and "error" not in done.stdout.lower()
