"""Insight: the chart, the LLM narrative and follow-up, and ESCO occupations for /goal.

The pure parts live in `passport/` (profile, digest, follow-up templates, goal gap); this package
holds what needs matplotlib, openai or shipped ESCO data. Nothing here is imported by `passport/`.
"""
