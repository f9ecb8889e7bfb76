"""The whole labeller: ``segment -> featurize -> score roles -> decide -> score topics -> results``.

:func:`label` is that pipeline, one line a stage; each stage is a pure function or
a fitted estimator.  ``NewssiftModel`` holds the fitted parts and the default
:class:`~newssift.classifier.decision.Decision`, and turns arrays into
:class:`~newssift.classifier.result.Result` records.  It holds no I/O: loading and
saving live in :mod:`newssift.classifier.persist`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from newssift.classifier.adapt import Adapter, markup_tokens
from newssift.classifier.arrays import part, prefixed
from newssift.classifier.batch import BlockBatch, take_blocks
from newssift.classifier.corrections import (
    CorrectionMemory,
    Fix,
    apply_corrections,
    article_topics,
    recall,
)
from newssift.classifier.decision import (
    MAIN_THRESHOLD_DEFAULT,
    MAIN_THRESHOLD_RANGE,
    SNIPPET_MAX_BLOCKS,
    Decision,
    check_main_threshold,
    decide,
    headline_roles,
)
from newssift.classifier.defaults import ARTICLE_CONTEXT_WEIGHT
from newssift.classifier.errors import InvalidInput
from newssift.classifier.features import Featurizer, normalize_rows, shape_of
from newssift.classifier.labels import ROLES, Role
from newssift.classifier.language import Language, identify, longest_sample, sample, topic_trained_for
from newssift.classifier.line_forms import apply_line_forms, forms_of_kept
from newssift.classifier.markup import PageMarkup, concat_markup, pages_with_markup
from newssift.classifier.markup_head import MarkupScorer
from newssift.classifier.pooling import article_rows
from newssift.classifier.repeats import RepeatHead
from newssift.classifier.result import SEGMENT_KEYS, Article, Result, new_segment, rounded
from newssift.classifier.role import MainScorer, TeaserScorer, role_probas
from newssift.classifier.segment import Block, segment
from newssift.classifier.site_lines import SiteLines
from newssift.classifier.topic import TopicClassifier, pool_rows

__all__ = ["NewssiftModel", "Scores", "label", "label_blocks", "MAIN_THRESHOLD_DEFAULT",
           "MAIN_THRESHOLD_RANGE", "check_main_threshold"]


@dataclass
class Scores:
    """Every number the model computes for a batch of documents, block-aligned."""

    doc: np.ndarray
    p_main: np.ndarray
    p_teaser: np.ndarray
    role: np.ndarray  # Role codes
    role_score: np.ndarray
    topic_proba: np.ndarray  # per block; filled for teasers only
    article_proba: np.ndarray  # per document
    article_has_topic: np.ndarray
    topic_from: np.ndarray | None = None  # per document: a TOPIC_FROM index, -1 no topic
    fixes: list[Fix | None] | None = None  # per block: the stored correction that applied
    topic_override: list[str | None] | None = None  # per block: a topic the adapter or a fix set
    article_override: list[str | None] | None = None  # per document: a topic a fix set
    headline: np.ndarray | None = None  # per document: its story's headline block (-1: none)
    languages: dict[str, Language] | None = None  # identified in featurizing (BlockBatch's)


# Pool a batch's article rows in numpy when it has fewer count entries than the vocabulary
# has columns by this factor (a few documents); a corpus chunk in scipy.
SMALL_BATCH_BELOW = 4

# Where an article's topic came from (Scores.topic_from indexes this).
TOPIC_FROM = ("main", "teasers", "all")


def label(model: NewssiftModel, texts: Sequence[str], decision: Decision | None = None,
          memory: CorrectionMemory | None = None, sites: Sequence[str | None] | None = None,
          markup: Sequence[PageMarkup | None] | None = None,
          site_lines: SiteLines | None = None,
          ) -> tuple[list[list[Block]], Scores]:
    """The pipeline: blocks and every score for each text (``memory``: stored
    corrections to apply, looked up with each text's ``sites`` entry; ``markup``: for a
    page read as HTML, its blocks' markup, None for a text; ``site_lines``: the corpus's
    repeated lines per site, read with each text's ``sites`` entry)."""
    blocks = [segment(t) for t in texts]
    docs = [[b.text for b in bl] for bl in blocks]
    fixes = recall(memory, texts, docs, sites) if memory else None
    return blocks, label_blocks(model, docs, decision, fixes, sites, markup, site_lines)


def label_blocks(model: NewssiftModel, docs: Sequence[Sequence[str]],
                 decision: Decision | None = None, fixes: list[Fix | None] | None = None,
                 sites: Sequence[str | None] | None = None,
                 markup: Sequence[PageMarkup | None] | None = None,
                 site_lines: SiteLines | None = None) -> Scores:
    """featurize -> score roles (-> site repeats) (-> adapt) -> decide (-> line forms) (->
    corrections) -> score topics, for documents already split into block texts."""
    batch = model.featurizer.transform(docs)
    p_main, p_teaser = model.score_roles(batch, markup)
    if site_lines is not None and sites is not None and model.repeats is not None:
        n_other, other = site_lines.evidence(sites, docs)
        p_main = model.repeats.adjust(p_main, n_other[batch.doc], other)
    adapter = model.adapter
    if adapter:
        marked = markup_tokens(batch, markup) if adapter.reads_markup(batch.tfidf.shape[1]) else None
        p_main, p_teaser = adapter.adjust(batch, p_main, p_teaser, sites, marked)
    decision = decision or model.decision
    role, role_score = decide(p_main, p_teaser, batch.framing, batch.n_words, batch.doc,
                              decision, marked_comments(batch, markup))
    texts = [t for d in docs for t in d]
    if decision.line_forms:
        apply_line_forms(role, role_score, p_main, forms_of_kept(
            role == Role.MAIN, texts, batch.n_words, batch.doc, SNIPPET_MAX_BLOCKS))
    heads = headline_roles(role, role_score, p_main, texts, batch.n_words, batch.doc, len(docs),
                           decision)
    table = adapter.table_roles(texts, batch, sites) if adapter else None
    if table and heads is not None:
        # A story's own headline stays main: another page of the site may list the same line
        # as a link to this story, corrected there to boilerplate.
        for h in heads[heads >= 0].tolist():
            if table[h] is not None and table[h][0] != Role.MAIN:
                table[h] = None
    role, role_score, topics = apply_corrections(role, role_score, table, fixes)
    scores = model.score_topics(batch, len(docs), p_main, p_teaser, role, role_score)
    scores.fixes, scores.topic_override, scores.headline = fixes, topics, heads
    scores.languages = batch.languages
    if topics:
        scores.article_override = article_topics(role.tolist(), batch.doc.tolist(), len(docs),
                                                 topics)
    return scores


def marked_comments(batch: BlockBatch, markup: Sequence[PageMarkup | None] | None) -> np.ndarray | None:
    """Per block: whether its page's markup puts it in a comment section (None: no page of
    the batch was read as HTML)."""
    if markup is None:
        return None
    pages = pages_with_markup(batch.doc, markup)
    if not pages:
        return None
    out = np.zeros(len(batch), dtype=bool)
    rows = np.isin(batch.doc, pages)
    out[rows] = np.concatenate([markup[d].comments() for d in pages])
    return out


def _check_texts(texts: Iterable[str]) -> list[str]:
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            kind = type(t).__name__
            hint = "; decode bytes first, e.g. data.decode('utf-8')" if isinstance(
                t, (bytes, bytearray)) else ""
            raise InvalidInput(f"document {i} is {kind}, not str{hint}")
    return texts


class NewssiftModel:
    """A fitted featurizer plus the three heads; see :func:`newssift.load_model`."""

    def __init__(self, featurizer: Featurizer, main: MainScorer, teaser: TeaserScorer,
                 topic: TopicClassifier, *, version: str = "unversioned",
                 decision: Decision | None = None, adapter: Adapter | None = None,
                 html_main: MarkupScorer | None = None, repeats: RepeatHead | None = None) -> None:
        self.featurizer = featurizer
        self.main = main
        self.teaser = teaser
        self.topic = topic
        self.version = version
        self.decision = decision or Decision()
        self.adapter = adapter  # what corrections taught it (newssift.classifier.adapt)
        self.html_main = html_main  # P(main) of a page read as HTML (None: the text head's)
        self.repeats = repeats  # what a line's recurrence on its site says (None: no such head)

    def adapted(self, adapter: Adapter | None) -> NewssiftModel:
        """The same fitted parts with ``adapter`` on top (None: the base model alone)."""
        return NewssiftModel(self.featurizer, self.main, self.teaser, self.topic,
                             version=self.version, decision=self.decision, adapter=adapter,
                             html_main=self.html_main, repeats=self.repeats)

    def decision_for(self, main_threshold: float | None = None,
                     keep_comments: bool | None = None) -> Decision:
        """The model's decision with a user's options (``--main-threshold``,
        ``--keep-comments``, a request's fields) applied."""
        return self.decision.with_options(main_threshold, keep_comments)

    @property
    def topics(self) -> list[str]:
        return [str(t) for t in self.topic.classes_]

    def warm(self) -> NewssiftModel:
        """Ready the model for bulk work now rather than at its first large batch: a
        long-running process (a ``clean`` or service worker) imports scikit-learn's
        compiled tree walker at start.  Labels are the same either way."""
        self.main.second_.warm()
        if self.teaser.second_ is not None:
            self.teaser.second_.warm()
        return self

    def score_roles(self, batch: BlockBatch, markup: Sequence[PageMarkup | None] | None = None,
                    ) -> tuple[np.ndarray, np.ndarray]:
        """P(main) and P(teaser | not main) of every block; the main score of a page with
        ``markup`` (one entry a document) from the HTML head, when the model has one."""
        pages = [] if markup is None or self.html_main is None else pages_with_markup(batch.doc, markup)
        if not pages:
            return role_probas(self.main, self.teaser, batch)
        p_first, words = self.main.first_pass_and_words(batch)
        p_main = self.main.second_pass(p_first, batch, words)
        rows = np.isin(batch.doc, pages)
        p_main[rows] = self.html_main.proba(take_blocks(batch, rows),
                                            concat_markup([markup[d] for d in pages]), p_first[rows],
                                            p_main[rows])
        return p_main, self.teaser.predict_proba(batch)[:, 1]

    def score_topics(self, batch: BlockBatch, n_docs: int, p_main: np.ndarray,
                     p_teaser: np.ndarray, role: np.ndarray, role_score: np.ndarray) -> Scores:
        """Topics of the teasers, and of each article from what the text has: its main
        blocks; with none, its teasers; with neither, every block with words (a menu-only
        page still says what it is about).  ``topic_from`` records which (TOPIC_FROM)."""
        is_main = role == int(Role.MAIN)  # an int: numpy takes an IntEnum member slowly
        is_teaser = role == int(Role.TEASER)
        teasers = np.flatnonzero(is_teaser)
        topic_proba = np.zeros((len(role), len(self.topic.classes_)))
        if len(teasers):
            topic_proba[teasers] = self.topic.predict_proba(batch.tfidf[teasers],
                                                            shape_of(batch)[teasers])
        doc = batch.doc
        has_main = np.bincount(doc[is_main], minlength=n_docs) > 0
        has_teaser = np.bincount(doc[is_teaser], minlength=n_docs) > 0
        rest = ~has_main[doc] & ~has_teaser[doc] & (batch.n_words > 0)
        use = is_main | (~has_main[doc] & is_teaser) | rest
        # The article's row is its text as one document, the form the topic head learnt
        # from; pooling the blocks' unit rows instead weighed a headline as much as a
        # paragraph (held-out BBC articles 0.936 against 0.947, docs/experiments.md).
        if batch.counts is None:
            raise ValueError("score_topics needs the batch's counts (Featurizer.transform keeps them)")
        around = has_main[doc] & ~is_main & ~is_teaser & (batch.n_words > 0)
        pooled = self._article_rows(batch.counts, doc, n_docs, use, around)
        shape = (self.featurizer.pooled_shape(batch, use, n_docs) if self.topic.reads_shape
                 else None)
        article_proba = self.topic.predict_proba(pooled, shape) if n_docs else topic_proba[:0]
        has_topic = np.bincount(doc[use], minlength=n_docs) > 0
        topic_from = np.where(has_main, 0, np.where(has_teaser, 1, np.where(has_topic, 2, -1)))
        return Scores(doc, p_main, p_teaser, role, role_score, topic_proba, article_proba,
                      has_topic, topic_from=topic_from.astype(np.int8))

    def _article_rows(self, counts: sp.csr_matrix, doc: np.ndarray, n_docs: int,
                      use: np.ndarray, around: np.ndarray) -> sp.csr_matrix:
        """Each document's ``use`` blocks as one text, weighed; beside its story, a page's
        other text (``around``: not teasers, those are other stories) adds a little: a
        post's quoted lines and signature, a story's captions and comments.  As its own
        row at a fifth of the story's weight it lifts held-out Usenet posts from 0.848 to
        0.870 and moves news pages by a page in 300 (docs/experiments.md).

        A few documents (fewer count entries than the vocabulary has columns by
        SMALL_BATCH_BELOW) are pooled in numpy (:mod:`~newssift.classifier.pooling` says
        why), a corpus chunk by scipy: the same rows to the bit."""
        weigh = self.featurizer.weigh
        if 0 < counts.nnz * SMALL_BATCH_BELOW < counts.shape[1]:
            return article_rows(counts, doc, n_docs, use, around, self.featurizer.weigh_arrays,
                                ARTICLE_CONTEXT_WEIGHT).to_csr()
        pooled = weigh(pool_rows(counts, doc, n_docs, use, normalize=False))
        if around.any():
            other = weigh(pool_rows(counts, doc, n_docs, around, normalize=False))
            pooled = normalize_rows((pooled + ARTICLE_CONTEXT_WEIGHT * other).tocsr())
        return pooled

    def score(self, docs: Sequence[Sequence[str]], decision: Decision | None = None) -> Scores:
        """Every number for documents given as lists of block texts."""
        return label_blocks(self, docs, decision)

    def segment_many(self, texts: Iterable[str], decision: Decision | None = None,
                     memory: CorrectionMemory | None = None,
                     sites: Sequence[str | None] | None = None,
                     markup: Sequence[PageMarkup | None] | None = None,
                     site_lines: SiteLines | None = None) -> list[Result]:
        """Label many documents in one batch (much faster than one at a time).

        ``decision``: see :meth:`decision_for`; ``memory``: stored corrections to apply
        (:class:`~newssift.classifier.corrections.CorrectionMemory`), matched within each
        text's ``sites`` entry; ``markup``: for a page read as HTML (its text
        :func:`~newssift.classifier.html.flatten`'s), the markup of its blocks
        (:class:`~newssift.classifier.html.HtmlPage`), None for a text; ``site_lines``: a
        corpus's repeated lines per site (:mod:`~newssift.classifier.site_lines`), which the
        model's site-repeats head reads for each text's ``sites`` entry."""
        blocks, scores = label(self, _check_texts(texts), decision, memory, sites, markup,
                               site_lines)
        return list(self._results(blocks, scores))

    def segment(self, text: str, decision: Decision | None = None,
                memory: CorrectionMemory | None = None, site: str | None = None,
                markup: PageMarkup | None = None) -> Result:
        """Label every block of one document (see :meth:`segment_many`)."""
        return self.segment_many([text], decision, memory, [site], [markup])[0]

    def segment_html(self, page: bytes | str, decision: Decision | None = None,
                     memory: CorrectionMemory | None = None, site: str | None = None,
                     charset: str | None = None) -> tuple[Result, list[str]]:
        """Label the blocks of one web page (its HTML as bytes or text; ``charset``: one
        declared outside it, by an HTTP header): the result, whose offsets refer to the
        page's flattened text (``result.article.text`` is the clean main text), and each
        block's element path.  Raises :class:`InvalidInput` for bytes that are no page."""
        from newssift.classifier.html import read_page

        html = read_page(page, charset)
        return self.segment(html.text, decision, memory, site, html.markup), html.paths

    def segment_many_dicts(self, texts: Iterable[str], segments: bool = True,
                           decision: Decision | None = None,
                           memory: CorrectionMemory | None = None,
                           sites: Sequence[str | None] | None = None,
                           markup: Sequence[PageMarkup | None] | None = None,
                           site_lines: SiteLines | None = None) -> list[dict]:
        """Like :meth:`segment_many`, as JSON-ready dicts (``Result.to_dict()``), built directly:
        the bulk path, where creating records only to convert them would cost a third of the time.
        With ``segments=False`` the per-block list is left empty (the article is still complete)."""
        blocks, scores = label(self, _check_texts(texts), decision, memory, sites, markup,
                               site_lines)
        return list(self._results(blocks, scores, as_dicts=True, with_segments=segments))

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The model as one JSON-ready document and named arrays (see ``persist``)."""
        config: dict = {"decision": self.decision.to_dict()}
        arrays: dict[str, np.ndarray] = {}
        for name in ("featurizer", "main", "teaser", "topic", "adapter", "html_main", "repeats"):
            if getattr(self, name) is None:
                continue
            part_cfg, part_arrays = getattr(self, name).to_arrays()
            config[name] = part_cfg
            arrays.update(prefixed(name, part_arrays))
        return config, arrays

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray],
                    version: str = "unversioned") -> NewssiftModel:
        parts = {}
        for name, kind in (("featurizer", Featurizer), ("main", MainScorer),
                           ("teaser", TeaserScorer), ("topic", TopicClassifier),
                           ("adapter", Adapter), ("html_main", MarkupScorer), ("repeats", RepeatHead)):
            if name not in config:
                continue  # a model without an adapter, an HTML head or a site-repeats head
            parts[name] = kind.from_arrays(config[name], part(arrays, name))
        return cls(**parts, version=version, decision=Decision(**config["decision"]))

    def _results(self, blocks: list[list[Block]], s: Scores, as_dicts: bool = False,
                 with_segments: bool = True) -> Iterable[Result | dict]:
        topics = self.topics
        roles = ROLES
        main, teaser = int(Role.MAIN), int(Role.TEASER)
        block_topic = s.topic_proba.argmax(axis=1) if len(s.doc) else np.zeros(0, int)
        block_topic_score = s.topic_proba.max(axis=1) if len(s.doc) else np.zeros(0)
        art_topic = s.article_proba.argmax(axis=1) if len(blocks) else np.zeros(0, int)
        art_score = s.article_proba.max(axis=1) if len(blocks) else np.zeros(0)
        role_list = s.role.tolist()
        role_score = rounded(s.role_score, 4)
        bt, bts = block_topic.tolist(), rounded(block_topic_score, 4)
        refs = ([None if f is None else {"id": f.id, "match": f.match} for f in s.fixes]
                if s.fixes else None)
        overrides = s.topic_override
        article_overrides = s.article_override
        i = 0
        done = []
        heads = s.headline.tolist() if s.headline is not None else None
        for d, doc_blocks in enumerate(blocks):
            head = heads[d] if heads is not None and heads[d] >= 0 else None
            headline = doc_blocks[head - i].text if head is not None and role_list[head] == main else None
            a_topic = topics[art_topic[d]] if s.article_has_topic[d] else None
            a_score = round(float(art_score[d]), 4) if a_topic else None
            if article_overrides and article_overrides[d] is not None:
                a_topic, a_score = article_overrides[d], 1.0
            segs = []
            counts = [0, 0, 0]
            main_texts = []
            for b in doc_blocks:
                r = role_list[i]
                counts[r] += 1
                if r == main:
                    main_texts.append(b.text)
                    topic, t_score = a_topic, a_score
                elif r == teaser:
                    topic, t_score = topics[bt[i]], bts[i]
                    if overrides and overrides[i] is not None:
                        topic, t_score = overrides[i], 1.0
                else:
                    topic, t_score = None, None
                ref = refs[i] if refs else None
                if with_segments and as_dicts:
                    segs.append(dict(zip(SEGMENT_KEYS, (b.index, b.start, b.end, b.text, roles[r],
                                                        role_score[i], topic, t_score, ref))))
                elif with_segments:
                    segs.append(new_segment(b.index, b.start, b.end, b.text, roles[r],
                                            role_score[i], topic, t_score, ref))
                i += 1
            t_from = None if a_topic is None or s.topic_from is None else TOPIC_FROM[s.topic_from[d]]
            counted = Article(a_topic, a_score, "\n".join(main_texts), len(doc_blocks), *counts,
                              topic_from=t_from, headline=headline)
            done.append((counted, segs, main_texts or [b.text for b in doc_blocks]))
        # A document's language, from its main text, else all its text: all at once, since
        # the identifier reads a batch much faster than its documents one by one; longest
        # blocks first, as the featurizer read the page (what it found is not found again).
        langs = identify([longest_sample(texts) for _, _, texts in done], s.languages)
        # A longest block that is no prose (a list of numbers, code, a table) names no
        # language: read the text in page order then, as it was read before.
        unnamed = [d for d, lang in enumerate(langs) if lang.lang is None and done[d][2]]
        for d, lang in zip(unnamed, identify([sample(done[d][2]) for d in unnamed])):
            langs[d] = lang
        for (counted, segs, _), lang in zip(done, langs):
            trained = None if counted.topic is None else topic_trained_for(lang.lang)
            article = replace(counted, lang=lang.lang, lang_score=lang.score,
                              topic_trained_for_lang=trained)
            yield ({"article": article.to_dict(), "segments": segs, "model": self.version}
                   if as_dicts else Result(article, segs, self.version))
