"""The README's sample run, regenerated from the shipped model: ``make readme-sample``
(``python -m newssift.training.readme_sample``) rewrites the block under
``$ newssift classify --format text examples/article.txt`` with what that command prints
now, so that retraining the shipped model never leaves the README showing another
model's output.  ``--check`` only says whether the block is current (exit 1 if not).

A checkout tool: it needs the checkout's README.md and examples/ beside the package.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from newssift.classifier.errors import TrainingError

__all__ = ["SAMPLE_COMMAND", "sample_output", "replace_sample", "checkout_root", "main"]

SAMPLE_COMMAND = "newssift classify --format text examples/article.txt"
FIX = "make readme-sample"
_BLOCK_RE = re.compile(r"^```[^\n]*\n\$ " + re.escape(SAMPLE_COMMAND) + r"\n(.*?)^```[ \t]*$",
                       re.MULTILINE | re.DOTALL)


def checkout_root() -> Path:
    """The checkout this package runs from (an editable install), where README.md is."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "README.md").is_file() or not (root / "examples").is_dir():
        raise TrainingError(f"{root}: no README.md and examples/ here; run from a checkout "
                            "(pip install -e .)")
    return root


def sample_output(root: Path) -> list[str]:
    """What the sample command prints in a pipe from ``root``, with the shipped model and no
    colour: the lines the README shows."""
    # A pipe's listing is as wide as COLUMNS says: pytest-xdist's workers, for one, set it to 80.
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSSIFT_MODEL", "COLUMNS", "LINES")}
    env["NO_COLOR"] = "1"
    done = subprocess.run([sys.executable, "-m", "newssift", *SAMPLE_COMMAND.split()[1:]], cwd=root,
                          env=env, capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise TrainingError(f"`{SAMPLE_COMMAND}` failed (exit {done.returncode}): "
                            f"{done.stderr.strip()[-300:]}")
    return done.stdout.rstrip("\n").split("\n")


def replace_sample(readme: str, lines: list[str]) -> str:
    """``readme`` with the sample block's output replaced by ``lines`` (the rest untouched)."""
    found = _BLOCK_RE.search(readme)
    if found is None:
        raise TrainingError(f"README.md has no ```$ {SAMPLE_COMMAND}``` block to rewrite")
    body = "".join(line + "\n" for line in lines)
    return readme[:found.start(1)] + body + readme[found.end(1):]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = checkout_root()
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = replace_sample(text, sample_output(root))
    if new == text:
        print(f"{readme}: the sample is current")
        return 0
    if "--check" in args:
        print(f"{readme}: the sample is not what the shipped model prints; run `{FIX}`")
        return 1
    readme.write_text(new, encoding="utf-8")
    print(f"{readme}: sample rewritten")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TrainingError as exc:
        print(f"newssift: {exc}", file=sys.stderr)
        sys.exit(2)
