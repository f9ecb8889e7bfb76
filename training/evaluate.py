"""Evaluation: how well a model keeps the main story of pages from sites it never saw, and
how well it gives topics.  One module per evaluation; this one names them all, so that
``from newssift.training.evaluate import ...`` keeps working.

* :mod:`~newssift.training.eval_pages`: token F1 and block P/R/F1 of `main` on real pages.
* :mod:`~newssift.training.eval_lodo`: roles, leave-one-dataset-out, beside jusText and
  the best length rule.
* :mod:`~newssift.training.eval_composed`: main/teaser/boilerplate, and teaser topics, on
  pages composed only from held-out text.
* :mod:`~newssift.training.eval_topics`: accuracy on the 20% held out of every topic file,
  beside TF-IDF + LinearSVC baselines.
* :mod:`~newssift.training.eval_short`: topics of short texts sent alone (headlines,
  truncated leads, the project's own headlines).
* :mod:`~newssift.training.eval_format`: the text reports of all of them.
"""

from __future__ import annotations

from newssift.training.eval_composed import heldout_composed_docs, teaser_topic_eval, three_class_eval
from newssift.training.eval_format import (
    format_lodo,
    format_project_short_texts,
    format_quick,
    format_short_topics,
    format_teaser_topics,
    format_topics,
)
from newssift.training.eval_lodo import LENGTH_RULE_RANGE, THRESHOLD_SWEEP, baseline_scores, lodo_role_eval
from newssift.training.eval_pages import (
    UNSURE,
    PageMain,
    PageScore,
    _page_scores,
    main_keeps,
    main_probabilities,
    page_scores,
    score_pages,
    summarize,
)
from newssift.training.eval_short import (
    PROJECT_SHORT_TEXTS,
    SHORT_KINDS,
    _truncated_lead,
    project_short_text_eval,
    short_topic_eval,
)
from newssift.training.eval_topics import TopicBaselines, topic_eval

__all__ = ["lodo_role_eval", "topic_eval", "TopicBaselines", "short_topic_eval", "teaser_topic_eval",
           "project_short_text_eval", "three_class_eval", "score_pages", "LENGTH_RULE_RANGE",
           "format_lodo", "format_topics", "main_probabilities", "main_keeps", "PageMain",
           "PageScore", "summarize", "page_scores", "heldout_composed_docs", "format_quick",
           "format_short_topics", "format_teaser_topics", "format_project_short_texts",
           "baseline_scores", "THRESHOLD_SWEEP", "UNSURE", "SHORT_KINDS", "PROJECT_SHORT_TEXTS",
           "_page_scores", "_truncated_lead"]
