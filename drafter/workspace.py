"""Drafts and their section versions (SQLite, WAL, append-only): nothing a writer or a model wrote is lost."""

import json
import sqlite3
from pathlib import Path

from drafter.errors import DrafterError

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL, year INTEGER NOT NULL, period TEXT NOT NULL, outline TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (org, year, period, outline)
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL,          -- model | offline | edit
    findings TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX IF NOT EXISTS versions_draft ON versions(draft_id, section, id);
"""


class WorkspaceError(DrafterError):
    """The workspace database cannot be opened."""


class Workspace:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "drafts.sqlite"
        try:
            self.db = sqlite3.connect(self.path)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise WorkspaceError(f"{self.path} is not a usable workspace ({e}); move it away and try again.") from e

    def close(self) -> None:
        self.db.close()

    def draft_id(self, org: str, year: int, period: str, outline: str) -> int:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO drafts (org, year, period, outline) VALUES (?, ?, ?, ?)",
                            (org, year, period, outline))
        row = self.db.execute("SELECT id FROM drafts WHERE org = ? AND year = ? AND period = ? AND outline = ?",
                              (org, year, period, outline)).fetchone()
        return row["id"]

    def save(self, draft_id: int, section: str, text: str, source: str, findings: list[dict] | None = None) -> None:
        """Append a version of a section."""
        with self.db:
            self.db.execute("INSERT INTO versions (draft_id, section, text, source, findings) VALUES (?, ?, ?, ?, ?)",
                            (draft_id, section, text, source, json.dumps(findings or [], ensure_ascii=False)))

    def latest(self, draft_id: int) -> dict[str, str]:
        """The newest text of every section of a draft."""
        rows = self.db.execute(
            "SELECT section, text FROM versions WHERE id IN (SELECT MAX(id) FROM versions WHERE draft_id = ? GROUP BY section)",
            (draft_id,))
        return {r["section"]: r["text"] for r in rows}

    def history(self, draft_id: int, section: str) -> list[dict]:
        rows = self.db.execute("SELECT text, source, findings, created_at FROM versions WHERE draft_id = ? AND section = ?"
                               " ORDER BY id", (draft_id, section))
        return [dict(r) for r in rows]
