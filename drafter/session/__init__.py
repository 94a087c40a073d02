"""The session layer: the only API the faces (CLI, UI) call. The drafts of a workspace (`desk`), one draft's
life (`drafts`) and the corpus shelf (`shelf`: ingest, list, search, inspect)."""

from drafter.session.desk import Desk, plain_org  # noqa: F401
from drafter.session.drafts import (  # noqa: F401
                                    KIND_LABELS,
                                    MACHINE_ORIGINS,
                                    ORIGINS,
                                    ROLES,
                                    ConflictError,
                                    DraftSession,
                                    FactsError,
                                    FactsUpdate,
                                    GenerateReport,
                                    OutlineItem,
                                    SectionState,
                                    SessionError,
                                    WorkspaceError,
                                    merge_rows,
                                    quick_actions,
)
from drafter.session.progress import Progress  # noqa: F401
