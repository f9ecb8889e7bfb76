"""The ``newssift`` command: each part of the package contributes its own commands.

The root only names them (``COMMANDS``); a command's module is imported when that
command runs, or when ``--help`` lists it.  Those modules import nothing heavy at
the top (numpy, scikit-learn, Flask load inside the command), so ``newssift
--help`` costs little more than starting Python and click.
"""

from __future__ import annotations

import importlib

import click

from newssift.classifier.cli import NewssiftGroup

__all__ = ["cli", "main", "COMMANDS"]

# command -> "module:attribute"; the order is the order of `newssift --help`.
COMMANDS = {
    "classify": "newssift.classifier.cli:classify",
    "clean": "newssift.clean.cli:clean",
    "serve": "newssift.service.cli:serve",
    "train": "newssift.training.cli:train",
    "evaluate": "newssift.training.cli:evaluate",
}


class PartsGroup(NewssiftGroup):
    """A group whose commands live in the parts and are imported on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=PartsGroup)
@click.version_option(package_name="newssift")
def cli() -> None:
    """Label every block of scraped news text: main story, teaser or boilerplate, and its topic."""


def main() -> None:
    cli(prog_name="newssift")
