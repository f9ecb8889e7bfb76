"""``python -m newssift.clean ...``: the clean command alone, with the newssift group's error handling."""

from __future__ import annotations

import sys

import click

from newssift.classifier.cli import NewssiftGroup
from newssift.clean.cli import clean


@click.group(cls=NewssiftGroup)
def _group() -> None:
    """newssift clean, standalone."""


_group.add_command(clean)

if __name__ == "__main__":
    _group(["clean", *sys.argv[1:]], prog_name="newssift")
