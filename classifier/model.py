"""The whole labeller: segment -> featurize -> score roles -> score topics -> results.

Each stage is a pure function or a fitted estimator; ``NewssiftModel`` only
joins them and turns arrays into :class:`~classifier.result.Result` records.
It holds no I/O: loading and saving live in :mod:`classifier.persist`.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from classifier.decision import keep_main
from classifier.errors import InvalidInput
from classifier.features import BlockBatch, Featurizer
from classifier.labels import BOILERPLATE, MAIN, TEASER
from classifier.result import Article, Result, Segment
from classifier.role import MainScorer, TeaserScorer
from classifier.segment import Block, segment
from classifier.topic import TopicClassifier, pool_rows

__all__ = ["NewssiftModel", "Scores", "MAIN_THRESHOLD_DEFAULT", "MAIN_THRESHOLD_RANGE",
           "check_main_threshold"]

MAIN_THRESHOLD_DEFAULT = 0.5
# Outside this a threshold keeps (nearly) everything or nothing: a typo, not a choice.
MAIN_THRESHOLD_RANGE = (0.05, 0.95)
MAX_DECISION_COPIES = 64
TEASER_THRESHOLD_DEFAULT = 0.5


@dataclass
class Scores:
    """Every number the model computes for a batch of documents, block-aligned."""

    doc: np.ndarray
    p_main: np.ndarray
    p_teaser: np.ndarray
    role: np.ndarray  # 0 main, 1 teaser, 2 boilerplate
    role_score: np.ndarray
    topic_proba: np.ndarray  # per block; filled for teasers only
    article_proba: np.ndarray  # per document
    article_has_topic: np.ndarray


def check_main_threshold(threshold: float) -> float:
    """``threshold`` if it is a usable P(main) threshold, else :class:`InvalidInput`."""
    lo, hi = MAIN_THRESHOLD_RANGE
    if (isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real)
            or not lo <= threshold <= hi):
        raise InvalidInput(f"main threshold {threshold!r} is outside {lo}..{hi}; "
                           f"{MAIN_THRESHOLD_DEFAULT} is the default, lower keeps more")
    return float(threshold)


class NewssiftModel:
    """A fitted featurizer plus the three heads; see :func:`classifier.load_model`."""

    drop_comment_threads = False  # the value of models saved before the comment rule existed

    def __init__(self, featurizer: Featurizer, main: MainScorer, teaser: TeaserScorer,
                 topic: TopicClassifier, *, version: str = "unversioned",
                 main_threshold: float = MAIN_THRESHOLD_DEFAULT,
                 drop_comment_threads: bool = False) -> None:
        self.featurizer = featurizer
        self.main = main
        self.teaser = teaser
        self.topic = topic
        self.version = version
        self.main_threshold = main_threshold
        self.drop_comment_threads = drop_comment_threads

    def with_decision(self, main_threshold: float | None = None, keep_comments: bool = False,
                      ) -> NewssiftModel:
        """The same fitted model, with its own line between main story and the rest.

        Gold standards disagree on how much of a page is the story: CleanEval's
        keeps comments and Modern2026's keeps listings (best near 0.3), Dragnet's
        and the Utomo sets' keep less (best near 0.6).  A corpus owner who knows
        which way theirs leans can say so without retraining: ``main_threshold``
        moves the P(main) line, ``keep_comments`` turns off the comment-thread
        rule.  Shares the fitted parts (a shallow copy); the original is unchanged.
        """
        threshold = self.main_threshold if main_threshold is None else check_main_threshold(main_threshold)
        if not isinstance(keep_comments, (bool, np.bool_)):
            raise InvalidInput(f"keep_comments must be true or false, not {keep_comments!r}")
        drop = self.drop_comment_threads and not keep_comments
        if threshold == self.main_threshold and drop == self.drop_comment_threads:
            return self
        # One copy per setting: the service's batcher labels requests together only when
        # they share a model object.  Copies live as long as this model does.
        copies = self.__dict__.setdefault("_decisions", {})
        model = copies.get((threshold, drop))
        if model is None:
            model = copy.copy(self)
            model.__dict__.pop("_decisions", None)
            model.main_threshold = threshold
            model.drop_comment_threads = drop
            if len(copies) >= MAX_DECISION_COPIES:  # thresholds are floats: bound the cache
                copies.clear()
            copies[(threshold, drop)] = model
        return model

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_decisions", None)  # derived copies: never saved with the model
        return state

    @property
    def topics(self) -> list[str]:
        return [str(t) for t in self.topic.classes_]

    def keep_main(self, p_main: np.ndarray, framing: np.ndarray | None, n_words: np.ndarray,
                  doc: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """Which blocks are main (see :mod:`classifier.decision`), at the model's own
        threshold or at ``threshold``."""
        return keep_main(p_main, self.main_threshold if threshold is None else threshold,
                         framing if self.drop_comment_threads else None, n_words, doc)

    def score_roles(self, batch: BlockBatch) -> tuple[np.ndarray, ...]:
        """Role code (0 main, 1 teaser, 2 boilerplate), its probability, P(main), P(teaser|not main)."""
        p_main = self.main.predict_proba(batch)[:, 1]
        p_teaser = self.teaser.predict_proba(batch)[:, 1]
        is_main = self.keep_main(p_main, batch.framing, batch.n_words, batch.doc)
        # A comment the role model would keep: boilerplate, scored by P(not main).
        comment = ~is_main & (p_main >= self.main_threshold)
        is_teaser = ~is_main & ~comment & (p_teaser >= TEASER_THRESHOLD_DEFAULT)
        role = np.where(is_main, 0, np.where(is_teaser, 1, 2)).astype(np.int8)
        role_score = np.where(is_main, p_main,
                              np.where(is_teaser, (1 - p_main) * p_teaser,
                                       np.where(comment, 1 - p_main,
                                                (1 - p_main) * (1 - p_teaser))))
        return role, role_score, p_main, p_teaser

    def score(self, docs: Sequence[Sequence[str]]) -> Scores:
        """Numbers for documents given as lists of block texts."""
        batch = self.featurizer.transform(docs)
        n_docs = len(docs)
        role, role_score, p_main, p_teaser = self.score_roles(batch)
        is_main = role == 0
        # Only teasers show a topic of their own (main blocks take the article's).
        teasers = np.flatnonzero(role == 1)
        topic_proba = np.zeros((len(role), len(self.topic.classes_)))
        if len(teasers):
            topic_proba[teasers] = self.topic.predict_proba(batch.tfidf[teasers])
        # Article topic: from the main blocks; with none, from all that are not boilerplate.
        has_main = np.bincount(batch.doc[is_main], minlength=n_docs) > 0
        use = is_main | (~has_main[batch.doc] & (role == 1))
        pooled = pool_rows(batch.tfidf, batch.doc, n_docs, use)
        article_proba = self.topic.predict_proba(pooled) if n_docs else topic_proba[:0]
        has_topic = np.bincount(batch.doc[use], minlength=n_docs) > 0
        return Scores(batch.doc, p_main, p_teaser, role, role_score, topic_proba,
                      article_proba, has_topic)

    def segment_many(self, texts: Iterable[str]) -> list[Result]:
        """Label many documents in one batch (much faster than one at a time)."""
        texts = list(texts)
        blocks = [segment(t) for t in texts]
        scores = self.score([[b.text for b in bl] for bl in blocks])
        return list(self._results(blocks, scores))

    def segment(self, text: str) -> Result:
        """Label every block of one document."""
        return self.segment_many([text])[0]

    def segment_many_dicts(self, texts: Iterable[str], segments: bool = True) -> list[dict]:
        """Like :meth:`segment_many`, as JSON-ready dicts (``Result.to_dict()``), built directly:
        the bulk path, where creating records only to convert them would cost a third of the time.
        With ``segments=False`` the per-block list is left empty (the article is still complete)."""
        texts = list(texts)
        blocks = [segment(t) for t in texts]
        scores = self.score([[b.text for b in bl] for bl in blocks])
        return list(self._results(blocks, scores, as_dicts=True, with_segments=segments))

    def _results(self, blocks: list[list[Block]], s: Scores, as_dicts: bool = False,
                 with_segments: bool = True) -> Iterable[Result | dict]:
        topics = self.topics
        roles = (MAIN, TEASER, BOILERPLATE)
        block_topic = s.topic_proba.argmax(axis=1) if len(s.doc) else np.zeros(0, int)
        block_topic_score = s.topic_proba.max(axis=1) if len(s.doc) else np.zeros(0)
        art_topic = s.article_proba.argmax(axis=1) if len(blocks) else np.zeros(0, int)
        art_score = s.article_proba.max(axis=1) if len(blocks) else np.zeros(0)
        role_list = s.role.tolist()
        role_score = s.role_score.tolist()
        bt, bts = block_topic.tolist(), block_topic_score.tolist()
        i = 0
        for d, doc_blocks in enumerate(blocks):
            a_topic = topics[art_topic[d]] if s.article_has_topic[d] else None
            a_score = round(float(art_score[d]), 4) if a_topic else None
            segs = []
            counts = [0, 0, 0]
            main_texts = []
            for b in doc_blocks:
                r = role_list[i]
                counts[r] += 1
                if r == 0:
                    main_texts.append(b.text)
                    topic, t_score = a_topic, a_score
                elif r == 1:
                    topic, t_score = topics[bt[i]], round(bts[i], 4)
                else:
                    topic, t_score = None, None
                if with_segments and as_dicts:
                    segs.append({"index": b.index, "start": b.start, "end": b.end, "text": b.text,
                                 "role": roles[r], "role_score": round(role_score[i], 4),
                                 "topic": topic, "topic_score": t_score})
                elif with_segments:
                    segs.append(Segment(b.index, b.start, b.end, b.text, roles[r],
                                        round(role_score[i], 4), topic, t_score))
                i += 1
            article = Article(a_topic, a_score, "\n".join(main_texts), len(doc_blocks), *counts)
            yield {"article": article.to_dict(), "segments": segs} if as_dicts else Result(article, segs)
