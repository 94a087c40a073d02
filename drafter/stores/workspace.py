"""Drafts and everything about them (SQLite, WAL, append-only): nothing a writer or a model wrote is lost.

A connection per call: the workspace is used from CLI threads, drafting workers and UI handlers alike,
and SQLite connections belong to the thread that opened them.
"""

import errno
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from filelock import FileLock

from drafter.errors import DrafterError
from drafter.models import DraftInfo, Finding, NumberSpan, PassageRef, Version

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    org TEXT NOT NULL, year INTEGER NOT NULL, period TEXT NOT NULL, outline TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE TABLE IF NOT EXISTS outline_choices (
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    section TEXT NOT NULL, position INTEGER NOT NULL, enabled INTEGER NOT NULL,
    PRIMARY KEY (draft_id, section)
);
CREATE TABLE IF NOT EXISTS fact_revisions (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    rev INTEGER NOT NULL,
    rows TEXT NOT NULL,             -- JSON list of facts rows as the writer gave them
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (draft_id, rev)
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    section TEXT NOT NULL,
    lines TEXT NOT NULL,            -- JSON list; the newest row per section is current
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL,           -- generated | offline | manual | chat | patch | restore
    facts_rev INTEGER NOT NULL DEFAULT 0,
    findings TEXT NOT NULL DEFAULT '[]',
    spans TEXT NOT NULL DEFAULT '[]',
    passages TEXT NOT NULL DEFAULT '[]',
    prompt_hash TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX IF NOT EXISTS versions_draft ON versions(draft_id, section, id);
CREATE TABLE IF NOT EXISTS chat (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    section TEXT NOT NULL,
    role TEXT NOT NULL,             -- user | assistant | error
    content TEXT NOT NULL,
    version_id INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE TABLE IF NOT EXISTS facts_applied (  -- the facts revision every section has been brought up to
    draft_id INTEGER PRIMARY KEY REFERENCES drafts(id),
    rev INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signing (  -- 发文机关署名 and 成文日期 of the exported document
    draft_id INTEGER PRIMARY KEY REFERENCES drafts(id),
    signature TEXT NOT NULL,
    date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stale (
    draft_id INTEGER NOT NULL REFERENCES drafts(id),
    section TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (draft_id, section)
);
"""

# Schema 1 (the first drafting engine): one draft per org/year/period/outline, versions with text only.
MIGRATE_1_TO_2 = """
ALTER TABLE drafts RENAME TO drafts_v1;
ALTER TABLE versions RENAME TO versions_v1;
DROP INDEX IF EXISTS versions_draft;
""" + SCHEMA + """
INSERT INTO drafts (id, name, org, year, period, outline, created_at, updated_at)
    SELECT id, '默认', org, year, period, outline, created_at, created_at FROM drafts_v1;
INSERT INTO versions (id, draft_id, section, text, source, findings, created_at)
    SELECT id, draft_id, section, text,
           CASE source WHEN 'model' THEN 'generated' WHEN 'edit' THEN 'manual' ELSE source END,
           findings, created_at FROM versions_v1;
DROP TABLE versions_v1;
DROP TABLE drafts_v1;
"""


def workspace_problem(path: Path, e: Exception) -> str:
    """What went wrong with the workspace database, and the fix: a full disk is not a damaged file."""
    if getattr(e, "errno", None) == errno.ENOSPC or "disk is full" in str(e) or "disk I/O error" in str(e):
        return f"工作区 {path} 所在的磁盘已满，无法保存。请腾出磁盘空间后重试（已保存的内容不受影响）。"
    if isinstance(e, PermissionError) or "readonly" in str(e) or "unable to open" in str(e):
        return f"工作区 {path} 无法写入（{e}）。请检查这个文件夹的权限，或用 DRAFTER_WORKSPACE 指定可写的文件夹。"
    return f"工作区 {path} 无法使用（{e}）。它可能已损坏：请把它移走（或改用 DRAFTER_WORKSPACE 指定新文件夹）后重试。"


class WorkspaceError(DrafterError):
    """The workspace database cannot be opened or a draft is not there."""


class ConflictError(WorkspaceError):
    """Someone saved a newer version of a section than the one being edited."""


class Workspace:
    def __init__(self, folder: Path):
        self.path = folder / "drafts.sqlite"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode = WAL")
                self._migrate(db)
        except (sqlite3.DatabaseError, OSError) as e:
            raise WorkspaceError(workspace_problem(self.path, e)) from e

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection for one call. A write takes the database's write lock first (BEGIN IMMEDIATE), so
        that reading the newest version or revision and appending the next is one step for every process."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
            yield db
            if write:
                db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if "disk" in str(e) or "readonly" in str(e):  # full or read-only: say so, nothing half-written
                raise WorkspaceError(workspace_problem(self.path, e)) from e
            raise
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and "versions" in tables and "drafts" in tables:
            cols = {r[1] for r in db.execute("PRAGMA table_info(drafts)")}
            if "name" not in cols:
                db.executescript("BEGIN;" + MIGRATE_1_TO_2 + "COMMIT;")
        elif version > SCHEMA_VERSION:
            raise WorkspaceError(f"工作区由更新版本的 drafter 创建（结构版本 {version}），请升级 drafter。")
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ---- drafts ----
    def create(self, name: str, org: str, year: int, period: str, outline: str) -> DraftInfo:
        with self._connect(write=True) as db:
            cur = db.execute("INSERT INTO drafts (name, org, year, period, outline) VALUES (?, ?, ?, ?, ?)",
                             (name, org, year, period, outline))
            return _draft(db.execute("SELECT * FROM drafts WHERE id = ?", (cur.lastrowid,)).fetchone())

    def draft(self, draft_id: int) -> DraftInfo:
        with self._connect() as db:
            row = db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise WorkspaceError(f"没有编号为 {draft_id} 的稿件。用 `drafter drafts` 查看已有稿件。")
        return _draft(row)

    def drafts(self, **where) -> list[DraftInfo]:
        clause = " AND ".join(f"{k} = ?" for k in where) or "1"
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM drafts WHERE {clause} ORDER BY updated_at DESC, id DESC",
                              tuple(where.values()))
            return [_draft(r) for r in rows]

    def set_outline(self, draft_id: int, outline: str) -> None:
        """The outline a draft is written under: a shipped outline's name, or an outline file of the workspace."""
        with self._connect(write=True) as db:
            db.execute("UPDATE drafts SET outline = ? WHERE id = ?", (outline, draft_id))
            self.touch(db, draft_id)

    def touch(self, db: sqlite3.Connection, draft_id: int) -> None:
        db.execute("UPDATE drafts SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = ?", (draft_id,))

    # ---- outline choices ----
    def outline_choices(self, draft_id: int) -> list[tuple[str, bool]]:
        with self._connect() as db:
            rows = db.execute("SELECT section, enabled FROM outline_choices WHERE draft_id = ? ORDER BY position",
                              (draft_id,))
            return [(r["section"], bool(r["enabled"])) for r in rows]

    def set_outline_choices(self, draft_id: int, choices: list[tuple[str, bool]]) -> None:
        with self._connect(write=True) as db:
            db.execute("DELETE FROM outline_choices WHERE draft_id = ?", (draft_id,))
            db.executemany("INSERT INTO outline_choices (draft_id, section, position, enabled) VALUES (?, ?, ?, ?)",
                           [(draft_id, s, i, int(on)) for i, (s, on) in enumerate(choices)])
            self.touch(db, draft_id)

    # ---- facts and notes ----
    def facts(self, draft_id: int, rev: int | None = None) -> tuple[int, list[dict]]:
        """(revision, rows): the newest revision, or the one asked for; (0, []) before any."""
        with self._connect() as db:
            sql = "SELECT rev, rows FROM fact_revisions WHERE draft_id = ?" + (" AND rev = ?" if rev else "")
            row = db.execute(sql + " ORDER BY rev DESC LIMIT 1", (draft_id, rev) if rev else (draft_id,)).fetchone()
        return (row["rev"], json.loads(row["rows"])) if row else (0, [])

    def save_facts(self, draft_id: int, rows: list[dict], note: str = "") -> int:
        with self._connect(write=True) as db:
            rev = db.execute("SELECT COALESCE(MAX(rev), 0) + 1 FROM fact_revisions WHERE draft_id = ?",
                             (draft_id,)).fetchone()[0]
            db.execute("INSERT INTO fact_revisions (draft_id, rev, rows, note) VALUES (?, ?, ?, ?)",
                       (draft_id, rev, json.dumps(rows, ensure_ascii=False), note))
            self.touch(db, draft_id)
        return rev

    def applied(self, draft_id: int) -> int | None:
        """The facts revision whose patches were all saved (None: never recorded, as in an older workspace)."""
        with self._connect() as db:
            row = db.execute("SELECT rev FROM facts_applied WHERE draft_id = ?", (draft_id,)).fetchone()
        return row["rev"] if row else None

    def set_applied(self, draft_id: int, rev: int) -> None:
        with self._connect(write=True) as db:
            db.execute("INSERT INTO facts_applied (draft_id, rev) VALUES (?, ?) ON CONFLICT (draft_id)"
                       " DO UPDATE SET rev = excluded.rev", (draft_id, rev))

    def signing(self, draft_id: int) -> tuple[str, str] | None:
        with self._connect() as db:
            row = db.execute("SELECT signature, date FROM signing WHERE draft_id = ?", (draft_id,)).fetchone()
        return (row["signature"], row["date"]) if row else None

    def set_signing(self, draft_id: int, signature: str, date: str) -> None:
        with self._connect(write=True) as db:
            db.execute("INSERT INTO signing (draft_id, signature, date) VALUES (?, ?, ?) ON CONFLICT (draft_id)"
                       " DO UPDATE SET signature = excluded.signature, date = excluded.date", (draft_id, signature, date))
            self.touch(db, draft_id)

    def facts_lock(self, draft_id: int) -> FileLock:
        """Held while a draft's facts change and its sections are patched: across processes, one change at a time."""
        folder = self.path.parent / "locks"
        folder.mkdir(exist_ok=True)
        return FileLock(folder / f"draft-{draft_id}.lock", timeout=60, thread_local=False, is_singleton=False)

    def notes(self, draft_id: int) -> dict[str, tuple[str, ...]]:
        with self._connect() as db:
            rows = db.execute("SELECT section, lines FROM notes WHERE id IN "
                              "(SELECT MAX(id) FROM notes WHERE draft_id = ? GROUP BY section)", (draft_id,))
            return {r["section"]: tuple(json.loads(r["lines"])) for r in rows if json.loads(r["lines"])}

    def save_notes(self, draft_id: int, section: str, lines: list[str]) -> None:
        with self._connect(write=True) as db:
            db.execute("INSERT INTO notes (draft_id, section, lines) VALUES (?, ?, ?)",
                       (draft_id, section, json.dumps(list(lines), ensure_ascii=False)))
            self.touch(db, draft_id)

    # ---- versions ----
    def save(self, draft_id: int, section: str, text: str, origin: str, *, facts_rev: int = 0,
             findings: tuple[Finding, ...] = (), spans: tuple[NumberSpan, ...] = (),
             passages: tuple[PassageRef, ...] = (), prompt_hash: str = "", note: str = "",
             base: int | None = None) -> Version:
        """Append a version. With `base` (the version id the writer started from), refuse when a newer one exists."""
        with self._connect(write=True) as db:
            if base is not None:
                latest = db.execute("SELECT MAX(id) FROM versions WHERE draft_id = ? AND section = ?",
                                    (draft_id, section)).fetchone()[0]
                if latest is not None and latest != base:
                    n = self._number(db, latest)
                    raise ConflictError(f"这一部分在你打开之后已被更新为第{n}版，你的修改没有覆盖它。"
                                        "请刷新查看最新版本，再把你的修改合并进去。")
            cur = db.execute(
                "INSERT INTO versions (draft_id, section, text, source, facts_rev, findings, spans, passages,"
                " prompt_hash, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (draft_id, section, text, origin, facts_rev, _dump(findings), _dump(spans), _dump(passages),
                 prompt_hash, note))
            if origin in ("generated", "offline", "chat"):
                db.execute("DELETE FROM stale WHERE draft_id = ? AND section = ?", (draft_id, section))
            self.touch(db, draft_id)
            return self._version(db, db.execute("SELECT * FROM versions WHERE id = ?", (cur.lastrowid,)).fetchone())

    def latest(self, draft_id: int, origins: tuple[str, ...] | None = None) -> dict[str, Version]:
        """The newest version of every section of a draft (of these origins only, when given)."""
        where = f" AND source IN ({','.join('?' * len(origins))})" if origins else ""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY section ORDER BY id) AS n FROM versions"
                f" WHERE draft_id = ?) WHERE id IN (SELECT MAX(id) FROM versions WHERE draft_id = ?{where} GROUP BY section)",
                (draft_id, draft_id, *(origins or ())))
            return {r["section"]: _to_version(r, r["n"]) for r in rows}

    def history(self, draft_id: int, section: str) -> list[Version]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM versions WHERE draft_id = ? AND section = ? ORDER BY id",
                              (draft_id, section)).fetchall()
            return [_to_version(r, i) for i, r in enumerate(rows, 1)]

    def _number(self, db: sqlite3.Connection, version_id: int) -> int:
        return db.execute("SELECT COUNT(*) FROM versions v, versions w WHERE w.id = ? AND v.draft_id = w.draft_id"
                          " AND v.section = w.section AND v.id <= w.id", (version_id,)).fetchone()[0]

    def _version(self, db: sqlite3.Connection, row: sqlite3.Row) -> Version:
        return _to_version(row, self._number(db, row["id"]))

    # ---- chat and stale flags ----
    def add_chat(self, draft_id: int, section: str, role: str, content: str, version_id: int | None = None) -> None:
        with self._connect(write=True) as db:
            db.execute("INSERT INTO chat (draft_id, section, role, content, version_id) VALUES (?, ?, ?, ?, ?)",
                       (draft_id, section, role, content, version_id))

    def chat(self, draft_id: int, section: str) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT role, content, version_id, created_at FROM chat WHERE draft_id = ? AND section = ?"
                              " ORDER BY id", (draft_id, section))
            return [dict(r) for r in rows]

    def mark_stale(self, draft_id: int, section: str, reason: str) -> None:
        with self._connect(write=True) as db:
            db.execute("INSERT INTO stale (draft_id, section, reason) VALUES (?, ?, ?) ON CONFLICT (draft_id, section)"
                       " DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at",
                       (draft_id, section, reason))

    def stale(self, draft_id: int) -> dict[str, str]:
        with self._connect() as db:
            rows = db.execute("SELECT section, reason FROM stale WHERE draft_id = ?", (draft_id,))
            return {r["section"]: r["reason"] for r in rows}


def _draft(row: sqlite3.Row) -> DraftInfo:
    return DraftInfo(row["id"], row["name"], row["org"], row["year"], row["period"], row["outline"],
                     row["created_at"], row["updated_at"])


def _dump(items) -> str:
    return json.dumps([asdict(i) for i in items], ensure_ascii=False)


def _to_version(row: sqlite3.Row, number: int) -> Version:
    fields = ("kind", "start", "end", "text", "message", "suggestion", "indicator", "role")
    findings = tuple(Finding(**{k: f.get(k, "") for k in fields}) for f in json.loads(row["findings"]))
    return Version(row["id"], row["section"], number, row["text"], row["source"], row["facts_rev"], row["created_at"],
                   findings, tuple(NumberSpan(**s) for s in json.loads(row["spans"])),
                   tuple(PassageRef(**p) for p in json.loads(row["passages"])), row["prompt_hash"], row["note"])
