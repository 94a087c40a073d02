"""drafter: drafts Chinese government year-end work summaries from past summaries and this year's facts."""

__version__ = "0.1.0"
