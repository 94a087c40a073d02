"""The drafting chain: context and exemplars, prompts, the model or the offline drafter, the number guard,
outline files and export. Stateless per call."""
