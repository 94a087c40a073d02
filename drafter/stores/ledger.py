"""The catalog of ingested documents, their sections and the fact ledger of their figures (SQLite)."""

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

from drafter.errors import DrafterError
from drafter.models import DocMeta, Document, Figure, Section

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO settings VALUES ('catalog_id', lower(hex(randomblob(8))));
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    org TEXT, year INTEGER, period TEXT, title TEXT,
    text TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS sections (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, level INTEGER NOT NULL, marker TEXT, title TEXT, heading TEXT,
    body TEXT, start INTEGER, "end" INTEGER, parent INTEGER, part TEXT
);
CREATE TABLE IF NOT EXISTS figures (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    indicator TEXT NOT NULL, value REAL NOT NULL, value_high REAL, unit TEXT NOT NULL,
    period TEXT, kind TEXT NOT NULL, scope TEXT NOT NULL, qualifier TEXT, suspect INTEGER NOT NULL,
    sentence TEXT, section TEXT, value_text TEXT, start INTEGER
);
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    section_idx INTEGER, position INTEGER, section TEXT, part TEXT, topic TEXT,
    text TEXT NOT NULL, masked TEXT NOT NULL, tokens TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE INDEX IF NOT EXISTS figures_indicator ON figures(indicator);
CREATE INDEX IF NOT EXISTS sections_doc ON sections(doc_id);
CREATE INDEX IF NOT EXISTS figures_doc ON figures(doc_id);
"""


class LedgerError(DrafterError):
    """The catalog file is unreadable or from another version."""


class Ledger:
    """Documents, sections and figures, replaced per document in one transaction."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise LedgerError(f"{path} 由另一版本的 drafter 写入；请运行 `drafter ingest --rebuild`")
            self.db.executescript(SCHEMA)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            raise LedgerError(f"{path} 不是可用的语料目录（{e}）；请运行 `drafter ingest --rebuild`") from e

    @property
    def catalog_id(self) -> str:
        """Random id of this catalog: on a shared vector server, its passages are the ones with this id."""
        return self.db.execute("SELECT value FROM settings WHERE key = 'catalog_id'").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def fingerprint(self, path: str) -> str | None:
        row = self.db.execute("SELECT fingerprint FROM documents WHERE path = ?", (path,)).fetchone()
        return row["fingerprint"] if row else None

    def path_with_content(self, sha: str, other_than: str) -> str | None:
        row = self.db.execute("SELECT path FROM documents WHERE sha256 = ? AND path != ?", (sha, other_than)).fetchone()
        return row["path"] if row else None

    def store(self, doc: Document, fingerprint: str) -> None:
        """Replace whatever was stored for this path with the new parse."""
        with self.db:
            self.db.execute("DELETE FROM documents WHERE path = ?", (doc.path,))
            cur = self.db.execute(
                "INSERT INTO documents (path, sha256, fingerprint, org, year, period, title, text, warnings)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.path, doc.sha256, fingerprint, doc.meta.org, doc.meta.year, doc.meta.period,
                 doc.meta.title, doc.text, json.dumps(doc.warnings, ensure_ascii=False)),
            )
            doc_id = cur.lastrowid
            self.db.executemany(
                'INSERT INTO sections (doc_id, idx, level, marker, title, heading, body, start, "end", parent, part)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(doc_id, i, s.level, s.marker, s.title, s.heading, s.body, s.start, s.end, s.parent, s.part)
                 for i, s in enumerate(doc.sections)],
            )
            self.db.executemany(
                "INSERT INTO figures (doc_id, indicator, value, value_high, unit, period, kind, scope, qualifier,"
                " suspect, sentence, section, value_text, start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(doc_id, f.indicator, f.value, f.value_high, f.unit, f.period, f.kind, f.scope, f.qualifier,
                  int(f.suspect), f.sentence, f.section, f.value_text, f.start) for f in doc.figures],
            )

    def stored_documents(self) -> list[tuple[int, str, str, DocMeta, list[Section]]]:
        """(doc_id, path, sha256, meta, sections) of every ingested document."""
        out = []
        for d in self.db.execute("SELECT * FROM documents ORDER BY id").fetchall():
            rows = self.db.execute('SELECT * FROM sections WHERE doc_id = ? ORDER BY idx', (d["id"],)).fetchall()
            sections = [Section(level=r["level"], marker=r["marker"], title=r["title"], heading=r["heading"],
                                body=r["body"], start=r["start"], end=r["end"], parent=r["parent"], part=r["part"])
                        for r in rows]
            meta = DocMeta(org=d["org"], year=d["year"], period=d["period"], title=d["title"])
            out.append((d["id"], d["path"], d["sha256"], meta, sections))
        return out

    def passage_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM passages")}

    def store_passages(self, rows: list[tuple]) -> None:
        """rows: (id, doc_id, section_idx, position, section, part, topic, text, masked, tokens)."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def delete_passages(self, ids: list[str]) -> None:
        with self.db:
            self.db.executemany("DELETE FROM passages WHERE id = ?", [(i,) for i in ids])

    def passages(self) -> list[dict]:
        """Every passage with its document's metadata, in a stable order."""
        rows = self.db.execute(
            "SELECT p.*, d.path, d.org, d.year, d.period FROM passages p JOIN documents d ON d.id = p.doc_id"
            " ORDER BY p.doc_id, p.position"
        )
        return [dict(r) for r in rows]

    def paths(self) -> list[str]:
        return [r["path"] for r in self.db.execute("SELECT path FROM documents ORDER BY path")]

    def remove(self, path: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM documents WHERE path = ?", (path,))

    def documents(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT d.path, d.org, d.year, d.period, d.title,"
            " (SELECT COUNT(*) FROM sections s WHERE s.doc_id = d.id) AS sections,"
            " (SELECT COUNT(*) FROM figures f WHERE f.doc_id = d.id) AS figures"
            " FROM documents d ORDER BY d.org, d.year, d.path"
        )
        return [dict(r) for r in rows]

    def document_texts(self) -> list[dict]:
        """path, org, year, period and cleaned text of every document."""
        return [dict(r) for r in self.db.execute("SELECT path, org, year, period, text FROM documents ORDER BY id")]

    def figures(self, org: str | None = None, year: int | None = None, indicator: str | None = None) -> list[dict]:
        """Figures with their document's metadata; `indicator` matches a substring of the name."""
        sql = ("SELECT f.*, d.path, d.org, d.year, d.period AS doc_period FROM figures f"
               " JOIN documents d ON d.id = f.doc_id WHERE 1=1")
        args: list = []
        if org:
            sql += " AND d.org LIKE ?"
            args.append(f"%{org}%")
        if year is not None:
            sql += " AND d.year = ?"
            args.append(year)
        if indicator:
            sql += " AND f.indicator LIKE ?"
            args.append(f"%{indicator}%")
        sql += " ORDER BY d.org, d.year, d.path, f.start"
        return [dict(r) for r in self.db.execute(sql, args)]


def figure_json(f: Figure) -> dict:
    """The `drafter inspect --json` shape of a figure."""
    keys = ("indicator", "value", "value_high", "unit", "period", "kind", "scope", "qualifier", "sentence", "suspect")
    data = asdict(f)
    return {k: data[k] for k in keys}


def document_json(doc: Document) -> dict:
    """The stable `drafter inspect --json` contract for one file."""
    meta: DocMeta = doc.meta
    return {
        "path": doc.path,
        "meta": {"org": meta.org, "year": meta.year, "period": meta.period, "title": meta.title},
        "sections": [{"level": s.level, "marker": s.marker, "title": s.title, "heading": s.heading}
                     for s in doc.sections if s.level >= 1],
        "figures": [figure_json(f) for f in doc.figures],
        "warnings": doc.warnings,
    }
