"""The session layer: the only API the faces (CLI, UI) call. One draft's life (`drafts`) and the corpus shelf
(`shelf`): ingest, list, search, inspect."""

from drafter.session.drafts import (KIND_LABELS, MACHINE_ORIGINS, ORIGINS, ROLES, ConflictError, Desk, DraftSession,  # noqa: F401
                                    FactsError, FactsUpdate, GenerateReport, OutlineItem, SectionState, SessionError,
                                    WorkspaceError, merge_rows, plain_org, quick_actions)
