"""One blueprint per resource: segment, labels, retrain, models, health (with /openapi.json)."""
