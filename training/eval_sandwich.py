"""The sandwich benchmark: how often boilerplate lines put around held-out stories are
called main (:mod:`~newssift.training.sandwich`), by newssift and by jusText on the same
blocks, and how often the stories' own paragraphs are.

Only what a model never trained on is scored: the stories and the recurring lines come
from the evaluation sources the model's config does not train on (Dragnet for the
shipped model), the written lines from ``training/data/sandwich_lines.jsonl``; a line
whose wording recurs in a training source, or is a boilerplate line of the handwritten
training documents, is left out (:func:`~newssift.training.sandwich.split_pool`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newssift.classifier.errors import TrainingError
from newssift.classifier.model import NewssiftModel
from newssift.training.baselines import justext_available, justext_keep
from newssift.training.config import TrainConfig
from newssift.training.corpus import ROLE_CODES, labelled_docs
from newssift.training.sandwich import (
    HEADLINE,
    PLACES,
    STORY,
    WRITTEN,
    SandwichLine,
    SandwichOptions,
    SandwichPage,
    Story,
    normalise_line,
    sandwich_pages,
    split_pool,
    written_lines,
)
from newssift.training.sandwich_data import (
    MiningOptions,
    boilerplate_wordings,
    line_place,
    read_site_pages,
    recurring_lines,
    story_of,
)

__all__ = ["SandwichMaterial", "sandwich_material", "score_sandwich", "sandwich_eval",
           "format_sandwich", "PLACE_NAMES", "N_STORIES", "LONG_PARAGRAPH_WORDS"]

N_STORIES = 200
LONG_PARAGRAPH_WORDS = 20  # the story paragraphs' second figure: those of this many words
LET_THROUGH_SHOWN = 8  # written lines most often called main, named in the report
PLACE_NAMES = {"before_headline": "before the headline",
               "under_headline": "between headline and story",
               "between_paragraphs": "between story paragraphs",
               "after_story": "after the story"}
HANDWRITTEN = "handwritten"
COMPOSE_LINES_SOURCE = "compose-lines"  # the project's lines composed pages put in stories


@dataclass(frozen=True)
class SandwichMaterial:
    """What the pages are made of: the test side of the line pool, the stories, the
    wordings the training pages hold as boilerplate, and the sources on each side."""

    lines: list[SandwichLine]
    stories: list[Story]
    trained_wordings: set[str]
    train_sources: list[str]
    test_sources: list[str]
    written_left_out: int


def _handwritten_lines(cfg: TrainConfig) -> list[SandwichLine]:
    """The boilerplate lines of the handwritten training documents: train side."""
    path = cfg.path(cfg.handwritten) if cfg.handwritten else None
    if path is None or not path.exists():
        return []
    out = []
    for doc in labelled_docs(path, HANDWRITTEN, 1.0):
        main = [int(r == ROLE_CODES["main"]) for r in doc.roles]
        out += [SandwichLine(t, line_place(main, i, doc.texts) or PLACES[-1], HANDWRITTEN)
                for i, (t, r) in enumerate(zip(doc.texts, doc.roles))
                if r == ROLE_CODES["boilerplate"]]
    return out


def _compose_lines(cfg: TrainConfig) -> list[SandwichLine]:
    """The project's own lines that composed stories carry when the config asks for them
    (``composed_written_lines``): train side, so no line of the same wording is scored."""
    if not cfg.composed_written_lines:
        return []
    from newssift.training.corpus import compose_lines

    return [SandwichLine(t, "between_paragraphs", COMPOSE_LINES_SOURCE) for t in compose_lines().lines]


def sandwich_material(cfg: TrainConfig, n_stories: int = N_STORIES,
                      options: MiningOptions = MiningOptions(),
                      log: Callable[[str], None] = lambda _: None) -> SandwichMaterial:
    """Read the block sources once each: the recurring lines of all, the wordings of the
    training sources, and ``n_stories`` English stories of the sources never trained on
    (a seeded sample)."""
    train_sources = list(cfg.block_sources)
    test_sources = [s for s in cfg.eval_sources if s not in cfg.block_sources]
    if not test_sources:
        raise TrainingError("every evaluation source is a training source: the sandwich benchmark "
                            "needs one the model never saw (leave one out of block_sources)")
    pool: list[SandwichLine] = _handwritten_lines(cfg) + _compose_lines(cfg)
    trained = {normalise_line(line.text) for line in pool}
    candidates: list = []
    for source in dict.fromkeys(train_sources + test_sources):
        pages = list(read_site_pages(cfg, source))
        found = recurring_lines(pages, options)
        log(f"sandwich: {source}: {len(pages)} pages, {len(found)} recurring boilerplate lines")
        pool += found
        if source in train_sources:
            trained |= boilerplate_wordings(pages)
        else:
            candidates += [p for p in pages if p.lang == "en"]
    written = written_lines()
    train, test = split_pool(pool + written, test_sources + [WRITTEN])
    train_wordings = {normalise_line(line.text) for line in train}
    avoid = {normalise_line(line.text) for line in pool + written}
    stories = [s for s in (story_of(p, avoid, options) for p in candidates) if s is not None]
    stories = random.Random(cfg.seed).sample(stories, min(n_stories, len(stories)))
    left_out = sum(normalise_line(line.text) in train_wordings for line in written)
    return SandwichMaterial(test, stories, trained, train_sources, test_sources, left_out)


def _rate(called: Sequence[bool]) -> float | None:
    return float(np.mean(called)) if len(called) else None


def score_sandwich(pages: Sequence[SandwichPage], newssift_main: Sequence[Sequence[bool]],
                   justext_main: Sequence[Sequence[bool]] | None,
                   trained_wordings: set[str] = frozenset()) -> dict:
    """The share of each place's lines, of the story paragraphs (all, and those of
    :data:`LONG_PARAGRAPH_WORDS`+ words) and of the headlines called main, by each system."""
    blocks = [(place, line, text, bool(nm), None if justext_main is None else bool(jm))
              for i, page in enumerate(pages)
              for place, line, text, nm, jm in zip(
                  page.places, page.lines, page.texts, newssift_main[i],
                  justext_main[i] if justext_main is not None else [None] * len(page.texts))]

    def rates(picked: list) -> dict:
        return {"blocks": len(picked), "newssift": _rate([b[3] for b in picked]),
                "jusText": None if justext_main is None else _rate([b[4] for b in picked])}

    places = {}
    for place in PLACES:
        picked = [b for b in blocks if b[0] == place]
        row = rates(picked)
        for name, keep in (("found", lambda b: b[1].source != WRITTEN),
                           ("written", lambda b: b[1].source == WRITTEN),
                           ("unseen", lambda b: normalise_line(b[2]) not in trained_wordings)):
            part = [b for b in picked if keep(b)]
            row[f"newssift_{name}"], row[f"{name}_blocks"] = _rate([b[3] for b in part]), len(part)
        places[place] = row
    story = [b for b in blocks if b[0] == STORY]
    shown, called = Counter(), Counter()
    for b in blocks:
        if b[1] is not None and b[1].source == WRITTEN:
            shown[b[2]] += 1
            called[b[2]] += b[3]
    let_through = sorted(((t, shown[t], called[t]) for t in called if called[t]),
                         key=lambda x: (-x[2], x[0]))[:LET_THROUGH_SHOWN]
    return {"places": places, "story": rates(story),
            "story_long": rates([b for b in story if len(b[2].split()) >= LONG_PARAGRAPH_WORDS]),
            "headline": rates([b for b in blocks if b[0] == HEADLINE]),
            "written_let_through": [list(x) for x in let_through]}


def newssift_main(model: NewssiftModel, pages: Sequence[SandwichPage]) -> list[list[bool]]:
    """Each block called main, the pages given to the model as text, one block a line."""
    results = model.segment_many(["\n".join(page.texts) for page in pages])
    out = []
    for page, result in zip(pages, results):
        if len(result.segments) != len(page.texts):
            raise TrainingError(f"story {page.story.id}: {len(page.texts)} lines became "
                                f"{len(result.segments)} blocks")
        out.append([s.role == "main" for s in result.segments])
    return out


def sandwich_eval(model: NewssiftModel, cfg: TrainConfig, n_stories: int = N_STORIES,
                  options: SandwichOptions = SandwichOptions(),
                  log: Callable[[str], None] = lambda _: None) -> dict:
    """Compose a page around each held-out story and score newssift (and jusText, when
    installed) on it; the seed is the config's."""
    material = sandwich_material(cfg, n_stories, log=log)
    pages = sandwich_pages(material.stories, material.lines, cfg.seed, options)
    justext = [justext_keep(p.texts) for p in pages] if justext_available() else None
    report = score_sandwich(pages, newssift_main(model, pages), justext, material.trained_wordings)
    pool = {place: {kind: sum(line.place == place and (line.source == WRITTEN) == (kind == "written")
                              for line in material.lines) for kind in ("found", "written")}
            for place in PLACES}
    return {"stories": len(pages), "seed": cfg.seed, "test_sources": material.test_sources,
            "train_sources": material.train_sources, "pool": pool,
            "written_left_out": material.written_left_out,
            "justext_installed": justext is not None, **report}


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_sandwich(report: dict) -> str:
    """The table ``newssift evaluate --sandwich`` prints and EVALUATION_SANDWICH.txt holds."""
    pool = report["pool"]
    found = sum(p["found"] for p in pool.values())
    written = sum(p["written"] for p in pool.values())
    lines = [f"Boilerplate lines put around {report['stories']} held-out stories of "
             f"{', '.join(report['test_sources'])} (seed {report['seed']}): share called main",
             f"  lines: {found} recurring on {', '.join(report['test_sources'])} pages, {written} of our "
             f"own ({report['written_left_out']} more left out: their wording is on the training side)",
             f"  {'where the lines sit':<40}{'blocks':>7}{'newssift':>10}{'jusText':>9}"
             f"   newssift on lines found / written / in no training page (blocks)"]
    for place, row in report["places"].items():
        lines.append(f"  {PLACE_NAMES[place]:<40}{row['blocks']:>7}{_cell(row['newssift']):>10}"
                     f"{_cell(row['jusText']):>9}   {_cell(row['newssift_found'])} / "
                     f"{_cell(row['newssift_written'])} / {_cell(row['newssift_unseen'])}"
                     f" ({row['unseen_blocks']})")
    for key, name in (("story", "the story's paragraphs (should be main)"),
                      ("story_long", f"  ... those of {LONG_PARAGRAPH_WORDS}+ words"),
                      ("headline", "the story's headline")):
        row = report[key]
        lines.append(f"  {name:<40}{row['blocks']:>7}{_cell(row['newssift']):>10}{_cell(row['jusText']):>9}")
    if report.get("written_let_through"):
        lines.append("  our lines most often called main (times called / shown): " + "; ".join(
            f"{text!r} {n_main}/{n}" for text, n, n_main in report["written_let_through"]))
    if not report.get("justext_installed"):
        lines.append("  jusText is not installed (pip install newssift[compare]): its column is empty")
    return "\n".join(lines)
