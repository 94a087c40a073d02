"""Ingest corpus files into the catalog: skip unchanged files, replace changed ones, report bad ones."""

import fcntl
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from drafter.config import Settings
from drafter.embeddings import Embedder
from drafter.errors import CorpusError, DrafterError
from drafter.ingest import admission
from drafter.ingest.corpus import discover, read_bytes
from drafter.ingest.document import parse_file
from drafter.ingest.indexing import IndexReport, Progress, build_index
from drafter.ingest.meta import sidecar_path
from drafter.stores.ledger import Ledger

# Bump when parsing changes so that re-ingest re-parses unchanged files.
PARSER_VERSION = "1"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    pruned: list[str] = field(default_factory=list)
    sections: int = 0
    figures: int = 0
    warnings: list[tuple[str, str]] = field(default_factory=list)
    index: IndexReport | None = None

    @property
    def usable(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    overrides: dict | None = None,
    prune: bool = False,
    rebuild: bool = False,
    on_file: Callable[[Path, int, int], None] | None = None,
    on_embed: Progress | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Ingest files and folders (default: the corpus dir) into the catalog, then update the search index.
    One ingest at a time per index folder: a second one is refused with a message, never interleaved."""
    with _writer_lock(settings):
        _room_for(settings, paths, rebuild)
        if rebuild and not settings.chroma_url:
            return _rebuild_aside(settings, paths, overrides=overrides, prune=prune, on_file=on_file,
                                  on_embed=on_embed, embedder=embedder)
        return _ingest(settings, paths, overrides=overrides, prune=prune, rebuild=rebuild, on_file=on_file,
                       on_embed=on_embed, embedder=embedder)


SPARE_MB = 50  # SQLite journals, Chroma's compaction and the lexical index written beside the old one


def _room_for(settings: Settings, paths: list[Path] | None, rebuild: bool) -> None:
    """Refuse before writing anything when the disk cannot hold what an ingest writes: a store that fills the disk
    halfway is damaged until rebuilt, and a rebuild needs room for a second copy."""
    index = Path(settings.index_dir)
    folder = next((p for p in (index, *index.parents) if p.exists()), Path("."))
    sources = [f for p in (paths or [Path(settings.corpus_dir)]) for f in ([p] if p.is_file() else p.rglob("*"))
               if f.is_file()]
    need = 3 * sum(f.stat().st_size for f in sources) + SPARE_MB * 2**20
    if rebuild and index.exists():
        need += sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    free = shutil.disk_usage(folder).free
    if free < need:
        raise CorpusError(f"{folder} 所在的磁盘只剩 {free / 2**20:.0f} MB，入库需要约 {need / 2**20:.0f} MB"
                          f"{'（重建时新旧两份索引同时存在）' if rebuild else ''}。请腾出空间后重试；现有索引没有改动，仍可使用。")


def _rebuild_aside(settings: Settings, paths: list[Path] | None, **kw) -> IngestReport:
    """--rebuild into a new folder beside the index, swapped in only when complete: readers keep using the
    old index meanwhile, and a rebuild that fails leaves it as it was."""
    from drafter.stores.vectors import forget_clients

    index = Path(settings.index_dir)
    staging, old = index.with_name(index.name + ".rebuilding"), index.with_name(index.name + ".old")
    shutil.rmtree(staging, ignore_errors=True)
    report = _ingest(settings.model_copy(update={"index_dir": staging}), paths, rebuild=False,
                     known=_known_documents(settings), **kw)
    forget_clients()  # a cached client would keep reading the old folder's files
    for kept in index.iterdir():  # what the index folder holds besides the index (its README) moves along
        if not (staging / kept.name).exists():
            kept.rename(staging / kept.name)
    shutil.rmtree(old, ignore_errors=True)
    index.rename(old)
    staging.rename(index)
    shutil.rmtree(old, ignore_errors=True)
    return report


@contextmanager
def _writer_lock(settings: Settings):
    Path(settings.index_dir).mkdir(parents=True, exist_ok=True)
    path = Path(settings.index_dir) / "ingest.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise CorpusError(f"另一个 drafter ingest 正在更新 {settings.index_dir}，请等它结束后再运行。") from e
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ingest(settings: Settings, paths: list[Path] | None, *, overrides: dict | None, prune: bool, rebuild: bool,
            on_file, on_embed, embedder, known: dict[str, dict] | None = None) -> IngestReport:
    overrides = overrides or {}
    known = known or {}
    if rebuild:  # a shared server's collection cannot be rebuilt aside: cleared in place
        known = _known_documents(settings)  # --rebuild never forgets a file ingested from another folder
        _clear_index(settings)
    files, missing = discover(paths or [settings.corpus_dir])
    report = IngestReport(skipped=[(str(p), reason) for p, reason in missing])
    given = {str(p.resolve()) for p in files}
    again = [Path(p) for p in known if p not in given]
    report.skipped += [(p, "目录中记录过这个文件，但现在找不到它；重建时未能收录。") for p in map(str, again)
                       if not Path(p).exists()]
    with Ledger(settings.catalog_path) as ledger:
        todo = [(p, overrides) for p in files] + [(p, _meta_overrides(known[str(p)])) for p in again if p.exists()]
        for i, (path, chosen) in enumerate(todo):
            if on_file:
                on_file(path, i, len(todo))
            _ingest_one(ledger, path, settings, chosen, report)
        if prune:
            for stored in ledger.paths():
                if not Path(stored).exists():
                    ledger.remove(stored)
                    report.pruned.append(stored)
    report.index = build_index(settings, embedder=embedder, on_progress=on_embed)
    return report


def _ingest_one(ledger: Ledger, path: Path, settings: Settings, overrides: dict, report: IngestReport) -> None:
    key = str(path.resolve())
    try:
        data = read_bytes(path, settings.max_file_mb)
        fingerprint = _fingerprint(data, path, overrides)
        previous = ledger.fingerprint(key)
        if previous == fingerprint:
            report.unchanged.append(key)
            return
        doc = parse_file(path, max_mb=settings.max_file_mb, overrides=overrides, data=data)
        _admit(doc, settings)
        if twin := ledger.path_with_content(doc.sha256, key):
            raise CorpusError(f"与 {Path(twin).name} 内容相同，作为重复文件跳过")
    except DrafterError as e:
        report.skipped.append((str(path), str(e)))
        return
    except OSError as e:  # e.g. an unreadable sidecar file
        report.skipped.append((str(path), f"cannot read {e.filename or path}: {e.strerror or e}"))
        return
    doc.path = key
    ledger.store(doc, fingerprint)
    (report.updated if previous else report.added).append(key)
    report.sections += len(doc.sections)
    report.figures += len(doc.figures)
    report.warnings += [(str(path), w) for w in doc.warnings]


def _admit(doc, settings: Settings) -> None:
    """Refuse a classified document; note personal data and instructions hidden in the text."""
    if (mark := admission.classified(doc.text)) and not settings.allow_classified:
        raise CorpusError(f"标有密级“{mark}”，按保密规定不收录。确需收录的，设置 DRAFTER_ALLOW_CLASSIFIED=true。")
    if found := admission.personal_data(doc.text):
        kinds = "、".join(sorted({k for k, _, _ in found}))
        doc.warnings.append(f"含{kinds} {len(found)} 处：发往非本地模型前会隐去。")
    if found := admission.injections(doc.text):
        doc.warnings.append(f"含疑似写给模型的指令（“{found[0][:30]}”）：只当作普通文字，不会用作参考表述。")


def _fingerprint(data: bytes, path: Path, overrides: dict) -> str:
    """Content hash plus what else changes the parse: sidecar, CLI overrides, parser version."""
    h = hashlib.sha256(data)
    sidecar = sidecar_path(path)
    if sidecar.exists():
        h.update(sidecar.read_bytes())
    h.update(json.dumps(overrides, sort_keys=True, ensure_ascii=False).encode())
    h.update(PARSER_VERSION.encode())
    return h.hexdigest()


def _known_documents(settings: Settings) -> dict[str, dict]:
    """path -> meta of every document the catalog holds; empty when there is no readable catalog."""
    if not settings.catalog_path.exists():
        return {}
    try:
        ledger = Ledger(settings.catalog_path)
    except DrafterError:
        return {}  # a damaged catalog cannot say what it held: only the named folders are ingested
    try:
        return {d["path"]: d for d in ledger.documents()}
    except sqlite3.DatabaseError:
        return {}
    finally:
        ledger.close()


def _meta_overrides(doc: dict) -> dict:
    """What the catalog knew of a file (org, year, period), kept through a rebuild."""
    return {k: doc[k] for k in ("org", "year", "period") if doc.get(k)}


def _clear_index(settings: Settings) -> None:
    """Delete what the index holds (all of it is generated from the corpus); drafts live elsewhere."""
    from drafter.stores.vectors import reset_store

    reset_store(settings)
    index = Path(settings.index_dir)
    for pattern in ("catalog.sqlite*", "lexical.npz", "lexical.json", "lexical.pkl"):
        for target in index.glob(pattern):
            target.unlink()
