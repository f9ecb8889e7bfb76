"""Evaluation: how well a model keeps the main story of pages from sites it never saw.

* Role, leave-one-dataset-out: for every block source, train the role heads on
  all the other sources (plus composed and hand-labelled documents) and score
  the held-out one: block-level P/R/F1 of `main` and token-level F1 of the kept
  text against the page's gold text, beside jusText and the best length rule.
* Role, three classes: main/teaser/boilerplate P/R/F1 on composed pages built
  only from held-out articles and held-out headlines.
* Topic: accuracy on the 20% held out of every topic file, beside a plain
  TF-IDF + LinearSVC trained on all mapped sets together and one per set.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from newssift.classifier.decision import Decision, keep_main
from newssift.classifier.errors import TrainingError
from newssift.classifier.features import shape_of
from newssift.classifier.labels import ROLES
from newssift.classifier.model import NewssiftModel
from newssift.training.baselines import (
    accepted_topic,
    justext_available,
    justext_keep,
    length_rule_keep,
    topic_svc,
)
from newssift.training.compose import Teaser, truncate_teaser
from newssift.training.config import TrainConfig
from newssift.training.corpus import (
    RoleDoc,
    block_docs,
    boilerplate_pool,
    composed_docs,
    load_label_map,
    short_text_examples,
    teaser_pool,
    topic_examples,
)
from newssift.training.metrics import (
    class_report,
    counter_f1,
    format_confusion,
    format_report,
    tokens,
)
from newssift.training.sources import read_topic_rows
from newssift.training.train import (
    featurize_docs,
    fit_featurizer,
    fit_role_heads,
    gather_inputs,
    join_role_data,
)

__all__ = ["lodo_role_eval", "topic_eval", "TopicBaselines", "short_topic_eval", "teaser_topic_eval",
           "project_short_text_eval", "three_class_eval", "score_pages", "LENGTH_RULE_RANGE",
           "format_lodo", "format_topics", "main_probabilities", "main_keeps", "PageMain"]

LENGTH_RULE_RANGE = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 20, 25, 30, 40, 50)
THRESHOLD_SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
UNSURE = (0.3, 0.7)


@dataclass
class PageScore:
    source: str
    token_f1: float
    keep: list[bool]
    gold_main: list[int]
    sure: list[bool]


_GOLD_TOKENS: dict[str, Counter] = {}


def _page_scores(docs: Sequence[RoleDoc], keeps: Iterable[Sequence[bool]]) -> list[PageScore]:
    out = []
    for doc, keep in zip(docs, keeps):
        kept = "\n".join(t for t, k in zip(doc.texts, keep) if k)
        cov = np.asarray(doc.page.cov)
        sure = ~((cov > UNSURE[0]) & (cov < UNSURE[1]))
        gold = _GOLD_TOKENS.get(doc.page.id)
        if gold is None:
            gold = _GOLD_TOKENS[doc.page.id] = Counter(tokens(doc.page.gold))
        out.append(PageScore(doc.source, counter_f1(Counter(tokens(kept)), gold), list(keep),
                             list(doc.page.main), sure.tolist()))
    return out


def summarize(scores: Sequence[PageScore]) -> dict:
    """Mean page token F1 and block-level P/R/F1 of `main` (half-aligned blocks left out)."""
    keep = np.concatenate([np.asarray(s.keep, bool)[np.asarray(s.sure)] for s in scores])
    gold = np.concatenate([np.asarray(s.gold_main, bool)[np.asarray(s.sure)] for s in scores])
    tp, fp, fn = (keep & gold).sum(), (keep & ~gold).sum(), (~keep & gold).sum()
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"pages": len(scores), "token_f1": float(np.mean([s.token_f1 for s in scores])),
            "block_precision": float(prec), "block_recall": float(rec),
            "block_f1": float(2 * prec * rec / (prec + rec)) if prec + rec else 0.0}


@dataclass
class PageMain:
    """What the main decision of one page needs: P(main) and the comment-thread inputs."""

    p: np.ndarray
    framing: np.ndarray | None
    n_words: np.ndarray


def main_probabilities(model: NewssiftModel, docs: Sequence[RoleDoc], batch_size: int = 200,
                       ) -> list[PageMain]:
    """P(main) of every block of every page."""
    out: list[PageMain] = []
    for i in range(0, len(docs), batch_size):
        part = docs[i:i + batch_size]
        batch = model.featurizer.transform([d.texts for d in part])
        p = model.main.predict_proba(batch)[:, 1]
        bounds = np.cumsum([0] + [len(d.texts) for d in part])
        out += [PageMain(p[a:b], None if batch.framing is None else batch.framing[a:b],
                         batch.n_words[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    return out


def main_keeps(model: NewssiftModel, pages: Sequence[PageMain], threshold: float | None = None,
               ) -> list[list[bool]]:
    """The model's main decision on every page, at its own threshold or at ``threshold``."""
    d = model.decision
    line = d.main_threshold if threshold is None else threshold
    return [keep_main(pm.p, line, pm.framing if d.drop_comment_threads else None, pm.n_words,
                      np.zeros(len(pm.p), np.int64)).tolist() for pm in pages]


def score_pages(model: NewssiftModel, docs: Sequence[RoleDoc], batch_size: int = 200,
                ) -> list[PageScore]:
    """Token and block scores of a fitted model on real pages."""
    return _page_scores(docs, main_keeps(model, main_probabilities(model, docs, batch_size)))


def baseline_scores(docs: Sequence[RoleDoc], progress: bool) -> dict[str, list[PageScore]]:
    """jusText and every length rule on the same pages."""
    out: dict[str, list[PageScore]] = {}
    if justext_available():
        keeps = [justext_keep(d.texts) for d in tqdm(docs, desc="jusText", disable=not progress)]
        out["justext"] = _page_scores(docs, keeps)
    for k in LENGTH_RULE_RANGE:
        out[f"length>={k}"] = _page_scores(docs, (length_rule_keep(d.texts, k) for d in docs))
    return out


def lodo_role_eval(cfg: TrainConfig, progress: bool = True,
                   log: Callable[[str], None] = print) -> dict:
    """Leave-one-dataset-out over ``cfg.eval_sources``; returns figures per source and overall."""
    inputs = gather_inputs(cfg, block_sources=cfg.eval_sources)
    featurizer = fit_featurizer(cfg, inputs)
    by_source = {s: [d for d in inputs.block if d.source == s] for s in cfg.eval_sources}
    data = {s: featurize_docs(featurizer, docs) for s, docs in by_source.items() if docs}
    label_map = load_label_map(cfg)
    teasers = teaser_pool(cfg, label_map)
    shared = featurize_docs(featurizer, inputs.labelled) if inputs.labelled else None
    model_scores: dict[str, list[PageScore]] = {}
    probs: dict[str, list[PageMain]] = {}
    folds = [s for s in cfg.eval_sources if s in data]
    for held in tqdm(folds, desc="leave-one-dataset-out", disable=not progress):
        train_sources = [s for s in cfg.block_sources if s != held and s in data]
        pool = boilerplate_pool([d for s in train_sources for d in by_source[s]],
                                random.Random(cfg.seed))
        pool += sorted({t for d in inputs.labelled for t, r in zip(d.texts, d.roles) if r == 2})
        composed = featurize_docs(featurizer, composed_docs(cfg, pool, teasers))
        parts = [data[s] for s in train_sources] + [composed] + ([shared] if shared else [])
        main, teaser = fit_role_heads(cfg, join_role_data(parts))
        fold_model = NewssiftModel(featurizer, main, teaser, topic=None,
                                   decision=Decision(drop_comment_threads=cfg.drop_comment_threads))
        probs[held] = main_probabilities(fold_model, by_source[held])
        model_scores[held] = _page_scores(by_source[held], main_keeps(fold_model, probs[held]))
        log(f"  {held}: token F1 {summarize(model_scores[held])['token_f1']:.3f}")
    all_docs = [d for s in folds for d in by_source[s]]
    base = baseline_scores(all_docs, progress)
    best_k = max(LENGTH_RULE_RANGE,
                 key=lambda k: np.mean([p.token_f1 for p in base[f"length>={k}"]]))
    report: dict = {"sources": {}, "best_length_rule": best_k, "threshold_sweep": {},
                    "threshold_sweep_by_source": {s: {} for s in folds}}
    # The decision at each threshold needs only the settings every fold model shares.
    decider = NewssiftModel(featurizer, None, None, None,
                            decision=Decision(drop_comment_threads=cfg.drop_comment_threads))
    for t in THRESHOLD_SWEEP:
        pages = []
        for s in folds:
            these = _page_scores(by_source[s], main_keeps(decider, probs[s], t))
            report["threshold_sweep_by_source"][s][str(t)] = summarize(these)["token_f1"]
            pages += these
        report["threshold_sweep"][str(t)] = summarize(pages)["token_f1"]
    for s in folds:
        row = {"newssift": summarize(model_scores[s])}
        for name in ("justext", f"length>={best_k}"):
            if name in base:
                row[name.split(">=")[0]] = summarize([p for p in base[name] if p.source == s])
        report["sources"][s] = row
    everything = [p for s in folds for p in model_scores[s]]
    report["all"] = {"newssift": summarize(everything)}
    for name in ("justext", f"length>={best_k}"):
        if name in base:
            report["all"][name.split(">=")[0]] = summarize(base[name])
    return report


def format_lodo(report: dict) -> str:
    k = report["best_length_rule"]
    lines = [f"Role, leave-one-dataset-out (token F1 of kept text / block F1 of main); "
             f"best length rule: keep blocks of {k}+ words",
             f"  {'source':<18}{'pages':>6}  {'newssift':>17}  {'jusText':>17}  {'length rule':>17}"]
    for s, row in list(report["sources"].items()) + [("ALL", report["all"])]:
        cells = []
        for name in ("newssift", "justext", "length"):
            m = row.get(name)
            cells.append(f"{m['token_f1']:.3f} / {m['block_f1']:.3f}" if m else "-")
        lines.append(f"  {s:<18}{row['newssift']['pages']:>6}  " + "  ".join(f"{c:>17}" for c in cells))
    sweep = report.get("threshold_sweep")
    if sweep:
        lines.append("  mean token F1 by P(main) threshold: " +
                     ", ".join(f"{t}: {v:.3f}" for t, v in sweep.items()))
    by_source = report.get("threshold_sweep_by_source")
    if by_source:
        # What `--main-threshold` can give a corpus whose gold keeps more (or less) than most.
        best = {s: max(v.items(), key=lambda kv: kv[1]) for s, v in by_source.items()}
        lines.append("  best threshold per source (token F1): " +
                     ", ".join(f"{s} {t} ({v:.3f})" for s, (t, v) in best.items()))
    return "\n".join(lines)


def heldout_composed_docs(cfg: TrainConfig, n_docs: int, seed_offset: int) -> list:
    """Pages composed only from held-out text: held-out stories and headlines, and the
    boilerplate of Dragnet pages (never trained on)."""
    label_map = load_label_map(cfg)
    rng = random.Random(cfg.seed + seed_offset)
    block = list(block_docs(cfg.replace(max_pages_per_source=40), ["dragnet"]))
    pool = boilerplate_pool(block, rng)
    return composed_docs(cfg, pool, teaser_pool(cfg, label_map, split="test"), n=n_docs,
                         split="test")


def three_class_eval(model: NewssiftModel, cfg: TrainConfig, n_docs: int = 600) -> dict:
    """main/teaser/boilerplate on pages composed only from held-out text."""
    docs = heldout_composed_docs(cfg, n_docs, seed_offset=1)
    s = model.score([d.texts for d in docs])
    y_true = np.concatenate([d.roles for d in docs])
    return class_report([ROLES[i] for i in y_true], [ROLES[i] for i in s.role], ROLES)


class TopicBaselines:
    """The TF-IDF + LinearSVC baselines of one evaluation run, each fitted once and shared
    by the topic evaluations: on every file or one file alone, on the rows as given or with
    each row's headline added as an example of its own (fairer for short texts)."""

    def __init__(self, cfg: TrainConfig) -> None:
        rows = topic_examples(cfg, load_label_map(cfg), "train")
        self._rows = {False: [r for r in rows if r.weight == 1.0], True: rows}
        self._fitted: dict = {}

    def svc(self, source: str | None = None, headlines: bool = False):
        """The fitted baseline, or None when its rows hold fewer than two topics."""
        key = (source, headlines)
        if key not in self._fitted:
            own = [r for r in self._rows[headlines] if source is None or r.source == source]
            self._fitted[key] = (topic_svc().fit([r.text for r in own], [r.topic for r in own])
                                 if len({r.topic for r in own}) > 1 else None)
        return self._fitted[key]


def _baselines(cfg: TrainConfig, baselines: bool | TopicBaselines) -> TopicBaselines | None:
    if isinstance(baselines, TopicBaselines):
        return baselines
    return TopicBaselines(cfg) if baselines else None


def topic_eval(model: NewssiftModel, cfg: TrainConfig, baselines: bool | TopicBaselines = True,
               progress: bool = True) -> dict:
    """Accuracy per topic file on its held-out 20%, world-news proxies also right as politics."""
    label_map = load_label_map(cfg)
    svcs = _baselines(cfg, baselines)  # on the rows as given, like the rows scored here
    test_rows = topic_examples(cfg, label_map, "test")
    sources = [s for s in cfg.topic_files if any(r.source == s for r in test_rows)]

    def accuracy(pred: Sequence[str], rows) -> float:
        ok = [accepted_topic(p, r.topic, r.proxy) for p, r in zip(pred, rows)]
        return float(np.mean(ok)) if ok else 0.0

    report: dict = {"sources": {}}
    all_true, all_pred = [], []
    for s in tqdm(sources, desc="topic evaluation", disable=not progress):
        rows = [r for r in test_rows if r.source == s]
        batch = model.featurizer.transform([[r.text] for r in rows])
        pred = list(model.topic.predict(batch.tfidf, shape_of(batch)))
        row = {"n": len(rows), "newssift": accuracy(pred, rows)}
        all_true += [r.topic for r in rows]
        all_pred += [r.topic if accepted_topic(p, r.topic, r.proxy) else p
                     for p, r in zip(pred, rows)]
        if svcs is not None:
            row["svc_all_sets"] = accuracy(svcs.svc().predict([r.text for r in rows]), rows)
            alone = svcs.svc(s)
            if alone is not None:
                row["svc_this_set"] = accuracy(alone.predict([r.text for r in rows]), rows)
        report["sources"][s] = row
    report["per_class"] = class_report(all_true, all_pred, model.topics)
    return report


def format_topics(report: dict) -> str:
    lines = ["Topic accuracy on the 20% held out of each file (world-news proxies: politics also right)",
             f"  {'file':<20}{'n':>6}{'newssift':>10}{'SVC all':>10}{'SVC alone':>11}"]
    for s, row in report["sources"].items():
        lines.append(f"  {s:<20}{row['n']:>6}{row['newssift']:>10.3f}"
                     f"{row.get('svc_all_sets', float('nan')):>10.3f}"
                     f"{row.get('svc_this_set', float('nan')):>11.3f}")
    lines.append(format_report("Topic per class (all held-out rows)", report["per_class"]))
    return "\n".join(lines)


def _truncated_lead(text: str, key: str, headline: str | None = None) -> str:
    """A held-out text's lead as a listing cuts it (the same cut every run, seeded by
    ``key``): its first line, or the first line after the headline when the text starts
    with it (BBC, Inshorts, 20 Newsgroups), so that the lead is not the headline again."""
    lines = [line for line in text.split("\n") if line.strip()]
    first = lines[1] if headline and len(lines) > 1 and lines[0].strip() == headline.strip() else (
        lines[0] if lines else "")
    return truncate_teaser(random.Random(key), first)


SHORT_KINDS = ("full", "headline", "truncated")


def short_topic_eval(model: NewssiftModel, cfg: TrainConfig,
                     baselines: bool | TopicBaselines = True, progress: bool = True) -> dict:
    """Article-topic accuracy of held-out topic rows sent as documents, as a user sends them:
    the full text, its headline alone and its first line truncated as a listing cuts it.

    Reads ``article.topic`` of ``segment_many`` (a null topic counts wrong), beside the
    TF-IDF + LinearSVC baselines trained on all sets and on each set alone (for the short
    kinds with the training rows' headlines added); adds the confusion counts of the short
    kinds (headline, truncated) and the null rate."""
    label_map = load_label_map(cfg)
    svcs = _baselines(cfg, baselines)
    test_rows = topic_examples(cfg, label_map, "test")
    headline_of = {}
    for name in cfg.topic_files:
        for row in read_topic_rows(cfg.data / "topics" / f"{name}-train.jsonl.gz"):
            if row.headline and len(row.headline.split()) >= 3:
                headline_of[(name, row.text)] = row.headline

    def right(pred: str | None, row) -> bool:
        return accepted_topic(pred, row.topic, row.proxy)

    report: dict = {"sources": {}, "confusion": {}, "nulls": 0, "rows": 0}
    confusion: Counter = Counter()
    for s in tqdm([s for s in cfg.topic_files if any(r.source == s for r in test_rows)],
                  desc="short-text topic evaluation", disable=not progress):
        rows = [r for r in test_rows if r.source == s]
        inputs = {"full": [(r, r.text) for r in rows],
                  "headline": [(r, headline_of[(s, r.text)]) for r in rows
                               if (s, r.text) in headline_of and headline_of[(s, r.text)] != r.text],
                  "truncated": [(r, _truncated_lead(r.text, r.text, headline_of.get((s, r.text))))
                                for r in rows if len(r.text.split()) >= 8]}
        out = {}
        for kind in SHORT_KINDS:
            pairs = [(r, t) for r, t in inputs[kind] if t.split()]
            if not pairs:
                continue
            texts = [t for _, t in pairs]
            results = model.segment_many(texts)
            pred = [res.article.topic for res in results]
            report["nulls"] += sum(p is None for p in pred)
            report["rows"] += len(pred)
            row = {"n": len(pairs),
                   "newssift": float(np.mean([right(p, r) for p, (r, _) in zip(pred, pairs)]))}
            if kind != "full":
                for p, (r, _) in zip(pred, pairs):
                    # An accepted answer (politics for a world-news row) is on the diagonal.
                    confusion[(r.topic, r.topic if right(p, r) else p or "null")] += 1
            combined = alone = None
            if svcs is not None:
                combined = svcs.svc(headlines=kind != "full")
                alone = svcs.svc(s, headlines=kind != "full")
            if combined is not None:
                row["svc_all_sets"] = float(np.mean([right(p, r) for p, (r, _)
                                                     in zip(combined.predict(texts), pairs)]))
            if alone is not None:
                row["svc_this_set"] = float(np.mean([right(p, r) for p, (r, _)
                                                     in zip(alone.predict(texts), pairs)]))
            out[kind] = row
        report["sources"][s] = out
    matrix: dict[str, dict[str, int]] = {}
    for (t, p), n in sorted(confusion.items()):
        matrix.setdefault(t, {})[p] = n
    report["confusion"] = matrix
    return report


def teaser_topic_eval(model: NewssiftModel, cfg: TrainConfig, n_docs: int = 200,
                      baselines: bool | TopicBaselines = True) -> dict:
    """On composed seed-shaped pages of held-out text (a story, then headlines of other
    stories, some truncated): how often a teaser gets an accepted topic, per file the
    teaser came from, beside the SVC baselines (with headline rows) on the same texts; and
    the roles.

    ``teaser_topic_accuracy`` reads the topic of every gold teaser's block (what the head
    says of it); ``end_to_end`` also needs the block called teaser, as a user sees it."""
    docs = heldout_composed_docs(cfg, n_docs, seed_offset=2)
    s = model.score([d.texts for d in docs])
    y_role = np.concatenate([d.roles for d in docs])
    origin = [o for d in docs for o in d.origins]
    texts = [t for d in docs for t in d.texts]
    teaser = np.flatnonzero(y_role == 1)
    meta: list[Teaser] = [origin[i] for i in teaser]  # each teaser's pool entry
    # The head's view of each gold teaser's own row (a block's row does not depend on
    # its neighbours), whatever role the block was given.
    rows = model.featurizer.transform([[texts[i]] for i in teaser])
    pred = ([model.topics[int(k)] for k in model.topic.predict_proba(
        rows.tfidf, shape_of(rows)).argmax(axis=1)]
            if len(teaser) else [])

    def right(predicted, entries) -> list[bool]:
        return [accepted_topic(p, e.topic, e.proxy) for p, e in zip(predicted, entries)]

    ok = right(pred, meta)
    called = [bool(s.role[i] == 1) for i in teaser]
    files = sorted({e.source for e in meta})
    svcs = _baselines(cfg, baselines)
    svc_ok: list[bool] = []
    alone_ok: dict[int, bool] = {}
    if svcs is not None and len(teaser):
        svc_ok = right(svcs.svc(headlines=True).predict([texts[i] for i in teaser]), meta)
        # An SVC that knows which file each teaser came from (trained on that file alone):
        # what the same words give when the file's label conventions are known.
        for name in files:
            alone = svcs.svc(name, headlines=True)
            picked = [k for k, e in enumerate(meta) if e.source == name]
            if alone is not None and picked:
                got = right(alone.predict([texts[teaser[k]] for k in picked]),
                            [meta[k] for k in picked])
                alone_ok.update(zip(picked, got))
    by_file: dict = {}
    for name in files:
        picked = [k for k, e in enumerate(meta) if e.source == name]
        by_file[name] = {
            "n": len(picked),
            "newssift": float(np.mean([ok[k] for k in picked])),
            "svc_all_sets": float(np.mean([svc_ok[k] for k in picked])) if svc_ok else None,
            "svc_this_set": (float(np.mean([alone_ok[k] for k in picked]))
                             if all(k in alone_ok for k in picked) else None)}
    main = y_role == 0
    return {"teaser_topic_accuracy": float(np.mean(ok)) if ok else None,
            "end_to_end": float(np.mean(np.array(ok) & np.array(called))) if ok else None,
            "svc_all_sets": float(np.mean(svc_ok)) if svc_ok else None,
            "svc_this_set": (float(np.mean(list(alone_ok.values())))
                             if ok and len(alone_ok) == len(ok) else None),
            "by_file": by_file,
            "teasers_called_teaser": float(np.mean(called)) if called else None,
            "main_vs_rest_accuracy": float(np.mean((s.role == 0) == main)),
            "teasers": len(ok), "documents": len(docs)}


def format_teaser_topics(t: dict) -> str:
    def f(v: float | None) -> str:
        return "   n/a" if v is None else f"{v:6.3f}"

    lines = [f"Composed seed-shaped pages ({t['documents']}, held-out text): teaser topic "
             f"accuracy {f(t['teaser_topic_accuracy']).strip()} (SVC all sets "
             f"{f(t['svc_all_sets']).strip()}, SVC told the file {f(t.get('svc_this_set')).strip()}; "
             f"called teaser and topic right "
             f"{f(t['end_to_end']).strip()}; {t['teasers']} teasers), teasers called teaser "
             f"{f(t['teasers_called_teaser']).strip()}, main-vs-rest "
             f"{t['main_vs_rest_accuracy']:.3f}",
             f"  {'teasers from':20}{'n':>6}{'newssift':>10}{'SVC all':>9}{'SVC alone':>10}"]
    for name, row in t.get("by_file", {}).items():
        lines.append(f"  {name:20}{row['n']:6d}{f(row['newssift']):>10}{f(row['svc_all_sets']):>9}"
                     f"{f(row.get('svc_this_set')):>10}")
    return "\n".join(lines)


PROJECT_SHORT_TEXTS = "training/gold/short_texts.jsonl"


def project_short_text_eval(model: NewssiftModel, path: str | None = None) -> dict:
    """Article topic of the project's own held-out headlines (never trained on), each sent
    alone as a user sends it: the label set's definitions (courts legal, summits
    politics), which the topic files' conventions blur."""
    from newssift.classifier.resources import resolve

    rows = short_text_examples(resolve(path or PROJECT_SHORT_TEXTS), 1.0)
    if not rows:
        raise TrainingError(f"{path or PROJECT_SHORT_TEXTS}: no short texts to score")
    pred = [r.article.topic for r in model.segment_many([x.text for x in rows])]
    per_topic: dict[str, list[bool]] = {}
    for p, x in zip(pred, rows):
        per_topic.setdefault(x.topic, []).append(p == x.topic)
    return {"n": len(rows), "accuracy": float(np.mean([p == x.topic for p, x in zip(pred, rows)])),
            "per_topic": {t: {"n": len(v), "accuracy": float(np.mean(v))}
                          for t, v in sorted(per_topic.items())}}


def format_project_short_texts(report: dict) -> str:
    return (f"Project-written headlines, held out ({report['n']}, sent alone): article topic "
            f"accuracy {report['accuracy']:.3f} (" + ", ".join(
                f"{t} {v['accuracy']:.2f} of {v['n']}" for t, v in report["per_topic"].items()) + ")")


def format_short_topics(report: dict) -> str:
    lines = ["Article topic of held-out rows sent alone (full text / headline / truncated lead; "
             "null counts wrong); the SVCs learn short kinds with the training rows' headlines",
             f"  {'file':18}{'kind':>10}{'n':>6}{'newssift':>10}{'SVC all':>9}{'SVC alone':>10}"]
    for s, kinds in report["sources"].items():
        for kind, row in kinds.items():
            lines.append(f"  {s:18}{kind:>10}{row['n']:6d}{row['newssift']:10.3f}"
                         f"{row.get('svc_all_sets', float('nan')):9.3f}"
                         f"{row.get('svc_this_set', float('nan')):10.3f}")
    lines.append(f"  null article topics: {report['nulls']} of {report['rows']}")
    if report.get("confusion"):
        labels = sorted(report["confusion"])
        lines.append(format_confusion("Short texts (headlines and truncated leads): true topic "
                                      "by predicted (accepted answers on the diagonal)",
                                      report["confusion"], labels))
    return "\n".join(lines)
