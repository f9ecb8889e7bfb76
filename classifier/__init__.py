"""newssift's labelling part: segment, featurize, score roles, decide, score topics.

The public names are re-exported, imported on first use, by :mod:`newssift`
(``from newssift import load_model``); this package imports nothing at import time,
so that the command line starts fast.
"""
