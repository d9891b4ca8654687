"""Recap domain: projection arithmetic, periods, compliance and recommendations. Standard library only."""
