"""Every tunable number of a trained model, defined once.

The estimators' keyword defaults, :class:`newssift.training.config.TrainConfig`'s
fields and so the shipped model's training run all take their values from here; a
TOML config only overrides them.  Why each value is what it is (and what else was
tried): ``docs/experiments.md``.
"""

from __future__ import annotations

__all__ = [
    "SEED", "NGRAM_MAX", "MIN_DF", "MAX_FEATURES", "COMMENT_FEATURES", "LANGUAGE_FEATURES", "MAIN_ALPHA",
    "MAIN_EPOCHS", "MAIN_FOLDS", "BOOST_ITER", "BOOST_LEARNING_RATE", "BOOST_MAX_LEAF_NODES",
    "NEIGHBOUR_WORDS", "OWN_WORDS", "OWN_WORDS_BELOW", "MARKUP_ALPHA", "MARKUP_HASHED", "TEASER_ALPHA",
    "TEASER_CONTEXT", "TEASER_BOOST_ITER",
    "TEASER_EPOCHS", "TOPIC_C",
    "TOPIC_GENERAL_WEIGHT", "TOPIC_GATE_SHAPE", "ARTICLE_CONTEXT_WEIGHT", "MAX_DOCUMENT_BYTES",
    "MAX_DOCUMENT_BYTES_ENV", "TOPIC_LANGUAGES", "LANG_ID_MAX_CHARS",
]

SEED = 13
# Features: one TF-IDF vocabulary of word 1-2-grams for every head.
NGRAM_MAX = 2
MIN_DF = 3
MAX_FEATURES = 200_000
COMMENT_FEATURES = True      # where a block sits among comment-framing lines
# Stopwords in the page's own language, lengths that hold for CJK (classifier/stoplists.py).
LANGUAGE_FEATURES = True
# Main head: SGD logistic first pass, boosted second pass over its context.
MAIN_ALPHA = 2e-6
MAIN_EPOCHS = 6
MAIN_FOLDS = 3               # out-of-fold first-pass scores for the second pass
BOOST_ITER = 100
BOOST_LEARNING_RATE = 0.2
BOOST_MAX_LEAF_NODES = 31
NEIGHBOUR_WORDS = 0.0        # weight of the neighbouring blocks' words in the first pass
# The second pass also reads the log-odds a block's own words add in the first pass, which its
# form and place outvote there: a sign-up prompt between two story paragraphs reads as
# boilerplate by its words while its length and place say story.  Only for blocks of fewer
# than OWN_WORDS_BELOW words: a longer one is story by its length, whatever its wording.
OWN_WORDS = True
OWN_WORDS_BELOW = 20
# HTML main head: its markup pass (hashed tag, class and id words plus markup columns).
MARKUP_ALPHA = 1e-5
# ... and whether it also reads the hashed tag/class/id tokens (site naming).  Without them the
# shipped model read dragnet's pages at 0.867 against 0.889 with them (docs/experiments.md).
MARKUP_HASHED = True
# Teaser head.
TEASER_ALPHA = 1e-5
TEASER_EPOCHS = 8
TEASER_CONTEXT = True        # a raise-only second pass over the scores around each block
TEASER_BOOST_ITER = 40       # its trees: as good as 100 on held-out composed pages, 2.5x fewer
# Topic head: per-source linear SVM experts under a gate.
TOPIC_C = 0.5
TOPIC_GENERAL_WEIGHT = 0.4   # share of the all-sources expert in the mixture
TOPIC_GATE_SHAPE = 0.1       # weight of a text's form (standardised) beside its words in the gate
# The languages (ISO 639-1) of the topic head's training data: the labelled news of
# ../shared/data/topics and articles is English only.  A result in another language says
# so (article.topic_trained_for_lang false): its topic is an English model's guess.
TOPIC_LANGUAGES = frozenset({"en"})
# Article topic: weight of a page's text around its story (neither main nor teaser), as a
# unit row beside the story's.
ARTICLE_CONTEXT_WEIGHT = 0.2

# The largest document (UTF-8 bytes of its text) a command labels: a larger one is refused
# (classify) or an error record (clean, classify --input-format jsonl), never read whole.
# Labelling takes ~50 bytes of memory per byte of text (a 20 MB text took 1 GB).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_DOCUMENT_BYTES_ENV = "NEWSSIFT_MAX_DOCUMENT_BYTES"  # and --max-document-bytes

# Language identification (classifier/language.py) reads this many characters of a
# document's main text (else of all its text), its longest blocks first, so that a huge
# document costs no more than a page.  On the block pages' main text, 300 characters agree
# with the pages' languages as often as 1,000 (all of 1,000 English pages; 30 of 33 others,
# docs/experiments.md).
LANG_ID_MAX_CHARS = 300
