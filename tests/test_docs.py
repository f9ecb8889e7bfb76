"""The user documentation stays true: the README's size, its links, its sample output, and
the commands and names it shows, checked against the code that runs now."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT, SHIPPED

from newssift.classifier.errors import TrainingError

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_BYTES = 15_000
SAMPLE_COMMAND = "newssift classify --format text examples/article.txt"

_FENCE_RE = re.compile(r"^```[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN_RE = re.compile(r"`[^`\n]*`")
_LINK_RE = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING_RE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return _FENCE_RE.findall(text)


def prose(text: str) -> str:
    """The text outside fenced blocks and code spans, where Markdown links live."""
    return _CODE_SPAN_RE.sub("", _FENCE_RE.sub("", text))


def links(text: str) -> list[str]:
    return _LINK_RE.findall(prose(text))


def is_external(target: str) -> bool:
    return re.match(r"[a-z][a-z0-9+.-]*:", target) is not None


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in _HEADING_RE.findall(_FENCE_RE.sub("", read(path)))}


def test_the_readme_is_at_most_15000_bytes():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move detail into docs/"


def test_the_readme_links_the_docs_and_every_linked_doc_exists():
    linked = {t.split("#")[0] for t in links(read(README)) if t.startswith("docs/")}
    assert {"docs/how-it-works.md", "docs/experiments.md", "docs/service.md"} <= linked
    for target in linked:
        assert (ROOT / target).is_file(), f"README.md links {target}, which does not exist"


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_points_at_an_existing_file_and_heading(path):
    found = [t for t in links(read(path)) if not is_external(t)]
    assert found, f"{path.name} links nothing; the link check would check nothing"
    for target in found:
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        assert dest.exists(), f"{path.name}: link {target!r} points at a missing file"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{path.name}: link {target!r}: no such heading"


def test_the_slug_rule_matches_githubs_on_our_headings():
    assert slug("The service under load") == "the-service-under-load"
    assert slug("2026-12-04: model format 2") == "2026-12-04-model-format-2"
    assert slug("The `newssift` command") == "the-newssift-command"


def sample_block() -> tuple[list[str], list[str]]:
    """The README's sample run: the command's words and the lines shown under it."""
    for block in code_blocks(read(README)):
        lines = block.rstrip("\n").split("\n")
        if lines[0].startswith("$ newssift classify"):
            return shlex.split(lines[0][2:]), lines[1:]
    pytest.fail("README.md has no ```$ newssift classify ...``` sample block")


def test_the_readme_sample_is_what_classify_prints_now():
    from newssift.training.readme_sample import FIX, replace_sample, sample_output

    if not (SHIPPED / "manifest.json").is_file():
        pytest.skip("no shipped model in models/default")
    words, shown = sample_block()
    assert " ".join(words) == SAMPLE_COMMAND
    text = read(README)
    assert replace_sample(text, sample_output(ROOT)) == text, \
        f"README.md's sample is not what the shipped model prints: run `{FIX}`"


def test_the_readme_sample_has_the_article_line_and_one_line_a_block():
    _, shown = sample_block()
    blocks = [line for line in read(ROOT / "examples" / "article.txt").splitlines() if line.strip()]
    assert re.fullmatch(r"article: topic [\w-]+ \(\d\.\d\d\); language [a-z]{2} \(\d\.\d\d\); \d+ main, "
                        r"\d+ teaser, \d+ boilerplate blocks", shown[0]), shown[0]
    assert len(shown) == 1 + len(blocks)
    for i, (line, block) in enumerate(zip(shown[1:], blocks)):
        assert re.match(rf" *{i} (main|teaser|boilerplate) +\d\.\d\d ", line), line
        assert block[:40] in line


def test_the_sample_script_rewrites_only_the_sample_block():
    from newssift.training.readme_sample import replace_sample

    readme = ("# x\n\nIntro.\n\n```\n$ " + SAMPLE_COMMAND + "\nold line 1\nold line 2\n```\n\n"
              "```\nnewssift classify FILE\n```\nEnd.\n")
    new = replace_sample(readme, ["article: topic sport (0.90); 1 main", "   0 main  0.90"])
    assert new == readme.replace("old line 1\nold line 2\n",
                                 "article: topic sport (0.90); 1 main\n   0 main  0.90\n")
    assert replace_sample(new, ["article: topic sport (0.90); 1 main", "   0 main  0.90"]) == new
    with pytest.raises(TrainingError, match="no ```\\$ newssift classify"):
        replace_sample("# x\n\nNo sample here.\n", ["a"])


def documented_commands(text: str) -> list[list[str]]:
    """Every ``newssift ...`` line of the fenced blocks, as words (comments dropped)."""
    out = []
    for block in code_blocks(text):
        for line in block.split("\n"):
            line = line.strip().removeprefix("$ ")
            if line.startswith("cat ") and "| newssift " in line:
                line = line[line.index("| newssift ") + 2:]
            if line.startswith("newssift "):
                out.append(line.split("  #")[0].split())
    return out


def test_every_documented_command_and_flag_exists():
    from newssift.cli import cli

    commands = documented_commands(read(README)) + [
        c for doc in DOCS for c in documented_commands(read(doc))]
    assert len(commands) >= 10
    seen = set()
    for words in commands:
        name = words[1]
        command = cli.get_command(None, name)
        assert command is not None, f"`newssift {name}` is documented but is not a command"
        seen.add(name)
        options = {"--help"} | {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for word in words[2:]:
            for flag in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", word):
                assert flag in options, f"`newssift {name}` has no option {flag} ({' '.join(words)})"
    assert seen == {"classify", "clean", "serve", "train", "evaluate"}


def test_the_python_names_the_readme_uses_exist():
    import newssift
    from newssift.classifier.model import NewssiftModel

    text = read(README)
    python = "\n".join(b for b in code_blocks(text) if "from newssift import" in b)
    assert python, "README.md has no Python example"
    for names in re.findall(r"from newssift import ([\w, ]+)", python):
        for name in names.split(","):
            assert name.strip() in newssift.__all__, name
    methods = set(re.findall(r"\bmodel\.(\w+)", text))
    assert {"segment", "decision_for"} <= methods
    for method in methods:
        assert hasattr(NewssiftModel, method), f"README.md uses model.{method}, which does not exist"
    for name in set(re.findall(r"\bnewssift\.([A-Z]\w*)", text)):
        assert name in newssift.__all__, f"README.md names newssift.{name}, which is not exported"


@pytest.mark.parametrize("removed", ["with_decision", "with_main_threshold", "from classifier",
                                     "import classifier", "from service import"])
def test_the_readme_names_no_removed_api(removed):
    assert removed not in read(README)
