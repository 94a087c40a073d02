"""Prompt templates (*.j2), quick actions and outline specs: data, shipped inside the package as drafter.prompts."""
