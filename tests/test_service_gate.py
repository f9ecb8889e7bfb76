from newssift.service.gate import decide

ACTIVE = {"gold_role_accuracy": 0.90, "gold_topic_accuracy": 0.80}


def test_promotes_when_nothing_is_active():
    d = decide(None, {"gold_role_accuracy": 0.1}, 0.02)
    assert d.promote and "no active model" in d.reason


def test_promotes_within_tolerance():
    d = decide(ACTIVE, {"gold_role_accuracy": 0.89, "gold_topic_accuracy": 0.85}, 0.02)
    assert d.promote
    assert d.compared["gold_role_accuracy"]["delta"] == -0.010000000000000009


def test_rejects_beyond_tolerance_and_names_the_metric():
    d = decide(ACTIVE, {"gold_role_accuracy": 0.95, "gold_topic_accuracy": 0.70}, 0.02)
    assert not d.promote
    assert "gold_topic_accuracy fell from 0.800 to 0.700" in d.reason
    assert "gold_role_accuracy" not in d.reason


def test_only_shared_metrics_count():
    d = decide(ACTIVE, {"labels_cv_role_accuracy": 0.1}, 0.02)
    assert d.promote and "unchecked" in d.reason and d.compared == {}


def test_zero_tolerance_rejects_any_drop():
    assert not decide(ACTIVE, {"gold_role_accuracy": 0.8999, "gold_topic_accuracy": 0.8}, 0.0).promote
    assert decide(ACTIVE, dict(ACTIVE), 0.0).promote
