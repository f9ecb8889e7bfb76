"""Training and evaluation of newssift models (reads ../shared/data by path)."""
