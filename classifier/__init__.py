"""newssift's classifier: label every block of raw article text with a role and a topic.

    >>> from classifier import load_model
    >>> model = load_model()                       # the shipped default model
    >>> result = model.segment(open("examples/article.txt").read())
    >>> [(s.role, s.topic) for s in result.segments][:2]
"""

from classifier.errors import InvalidInput, ModelError, NewssiftError, TrainingError
from classifier.labels import DEFAULT_TOPICS, ROLES
from classifier.model import NewssiftModel
from classifier.persist import load_model, save_model
from classifier.result import Article, Result, Segment
from classifier.segment import Block, segment

__all__ = [
    "Article", "Block", "DEFAULT_TOPICS", "InvalidInput", "ModelError", "NewssiftError",
    "NewssiftModel", "ROLES", "Result", "Segment", "TrainingError", "load_model", "save_model",
    "segment",
]
