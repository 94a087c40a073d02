"""Stores: the ledger (catalog and fact ledger), the workspace of drafts, the vector and lexical index, retrieval."""
