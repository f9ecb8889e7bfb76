"""The shipped model's site-repeats head: there, evaluated on held-out sites, and harmless to a
text labelled alone."""

import json

import numpy as np
from conftest import SHIPPED

from newssift.classifier.site_lines import LineCounter

# The bar for the learned evidence on held-out sites of 5+ pages, over the model alone.
MIN_GAIN = 0.015


def test_the_shipped_model_has_the_head_and_its_evaluation(shipped_model):
    assert shipped_model.repeats is not None
    manifest = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
    report = manifest["evaluation"]["site_repeats"]
    every = report["all"]
    assert every["pages"] >= 500 and every["sites"] >= 50
    assert every["site repeats"] >= every["model"] + MIN_GAIN
    assert every["site repeats"] > every["rule"]
    assert "Site repeats" in (SHIPPED / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert (SHIPPED / "EVALUATION_SITE_REPEATS.txt").is_file()


def test_counts_of_other_sites_change_nothing(shipped_model, seed):
    text = seed[0] if isinstance(seed, tuple) else seed
    counter = LineCounter()
    for n in range(5):
        counter.add("other.example", ["Home", "Advertisement", f"Story {n}"])
    alone = shipped_model.segment_many([text], sites=["mine.example"])[0]
    with_counts = shipped_model.segment_many([text], sites=["mine.example"], site_lines=counter.freeze())[0]
    assert alone.to_dict() == with_counts.to_dict()


def test_a_sites_template_lines_lose_main(shipped_model):
    pages = [["Home | World | Politics", f"Story {n}: the council votes on the harbour budget",
              f"The council met on day {n} and voted to spend more on the harbour after a long debate "
              "about the cost of repairs and the fishing boats that use it every morning.",
              "Sign up for our morning newsletter to get the day's top stories in your inbox.",
              f"Repairs start next month, officials said on day {n}, and will last until the spring.",
              "Share this article"] for n in range(30)]
    counter = LineCounter()
    for texts in pages:
        counter.add("a.example", texts)
    lines = counter.freeze()
    texts = ["\n".join(p) for p in pages[:3]]
    alone = shipped_model.score([p for p in pages[:3]])
    batch_sites = ["a.example"] * 3
    n_other, other = lines.evidence(batch_sites, pages[:3])
    sizes = [len(p) for p in pages[:3]]
    adjusted = shipped_model.repeats.adjust(alone.p_main, np.repeat(n_other, sizes), other)
    signup = [i for i, t in enumerate(t for p in pages[:3] for t in p) if t.startswith("Sign up")]
    assert (adjusted[signup] < alone.p_main[signup]).all()
    results = shipped_model.segment_many(texts, sites=batch_sites, site_lines=lines)
    for r in results:
        assert all(s.role != "main" for s in r.segments if s.text.startswith("Sign up"))
