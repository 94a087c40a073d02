"""The corpus side of the session layer: past summaries added, listed, previewed, corrected and removed.

Functions over Settings, for the UI's 语料库 tab (the CLI has `drafter ingest`). Uploaded files are copied
into the corpus folder under a safe name, then ingested; corrections of a document's org/year/period go
into its sidecar `NAME.meta.yaml`, as README "Your own past summaries" describes.
"""

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from drafter import yamltext
from drafter.config import Settings
from drafter.errors import CorpusError
from drafter.filenames import safe_name
from drafter.ingest.corpus import SUPPORTED, unsupported
from drafter.ingest.indexing import IndexReport, Progress, build_index
from drafter.ingest.meta import PERIODS, sidecar_path
from drafter.ingest.pipeline import IngestReport, ingest
from drafter.numbers.figures import canonical
from drafter.stores.ledger import Ledger
from drafter.stores.lexical import tokenize
from drafter.stores.retrieve import Retriever

REMOVED = ".removed"  # inside the corpus folder; ingest skips dot folders, so removed files stay out
PERIOD_NAMES = {"annual": "全年", "H1": "上半年", "other": "其他"}
_writing = threading.Lock()  # the catalog and the index take one writer at a time


@dataclass(frozen=True)
class DocumentRow:
    path: str
    name: str
    org: str | None
    year: int | None
    period: str | None
    title: str | None
    sections: int
    figures: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Preview:
    document: DocumentRow
    outline: tuple[str, ...]  # headings as written, indented by level
    figures: tuple[dict, ...]  # indicator, value, unit, kind, scope, sentence


@dataclass(frozen=True)
class Stats:
    documents: int
    passages: int
    figures: int


def documents(settings: Settings) -> list[DocumentRow]:
    """Every ingested document with its metadata, counts and what is missing from it."""
    if not settings.catalog_path.exists():
        return []
    with Ledger(settings.catalog_path) as ledger:
        counts = {d["path"]: d for d in ledger.documents()}
        stored = ledger.stored_documents()
    rows = [_row(path, meta, sections, counts[path]) for _, path, _, meta, sections in stored]
    return sorted(rows, key=lambda r: (r.org or "", r.year or 0, r.name))


def _row(path: str, meta, sections, counts: dict) -> DocumentRow:
    missing = [label for label, value in (("单位", meta.org), ("年度", meta.year), ("期间", meta.period)) if not value]
    warnings = [f"看不出{'、'.join(missing)}：请在下方补填"] if missing else []
    if not any(s.level >= 1 for s in sections):
        warnings.append("没有识别出标题，全文作为一节")
    return DocumentRow(path, Path(path).name, meta.org, meta.year, meta.period, meta.title, counts["sections"],
                       counts["figures"], tuple(warnings))


def stats(settings: Settings) -> Stats:
    """How much the index holds: documents, passages, figures."""
    if not settings.catalog_path.exists():
        return Stats(0, 0, 0)
    with Ledger(settings.catalog_path) as ledger:
        docs = ledger.documents()
        return Stats(len(docs), len(ledger.passage_ids()), sum(d["figures"] for d in docs))


def preview(settings: Settings, path: str) -> Preview:
    """One document as it was parsed: its outline and the figures read from it."""
    row = next((d for d in documents(settings) if d.path == path), None)
    if row is None:
        raise CorpusError(f"语料库中没有“{Path(path).name}”，可能已被移除。请刷新列表。")
    with Ledger(settings.catalog_path) as ledger:
        sections = next(s for _, p, _, _, s in ledger.stored_documents() if p == path)
        figures = [f for f in ledger.figures(org=row.org) if f["path"] == path]
    outline = tuple("　" * max(s.level - 1, 0) + s.heading for s in sections if s.level >= 1)
    keys = ("indicator", "value", "unit", "kind", "scope", "sentence")
    return Preview(row, outline, tuple({k: f[k] for k in keys} for f in figures))


def add(settings: Settings, files: list[Path], *, on_file: Callable[[Path, int, int], None] | None = None,
        on_embed: Progress | None = None) -> IngestReport:
    """Copy files into the corpus folder under safe names and ingest them."""
    if not files:
        raise CorpusError("请先选择要上传的文件（.txt .md .docx .pdf .html，或装有 LibreOffice 时的 .doc）。")
    folder = Path(settings.corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    usable = [Path(f) for f in files if supported(Path(f).name)]
    with _writing:
        # ingest() with no paths would take the whole corpus folder: only call it with files to read
        report = ingest(settings, [_place(f, folder) for f in usable], on_file=on_file, on_embed=on_embed
                        ) if usable else IngestReport()
    report.skipped += [(str(f), unsupported(f.suffix)) for f in map(Path, files) if f not in usable]
    return report


def _place(source: Path, folder: Path) -> Path:
    """The copy of an upload in the corpus folder; a different file of the same name gets -2, -3 …; a file already
    there under any name is not copied again."""
    data = source.read_bytes()
    same = next((p for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()
                 and p.stat().st_size == len(data) and p.read_bytes() == data), None)
    if same:
        return same
    name = safe_name(source.name)
    target = folder / name
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target, n = folder / f"{stem}-{n}{suffix}", n + 1
    if not target.exists():
        shutil.copyfile(source, target)
    return target


def remove(settings: Settings, path: str) -> IndexReport:
    """Forget a document; a file inside the corpus folder is moved to its .removed folder, not deleted."""
    with _writing:
        with Ledger(settings.catalog_path) as ledger:
            if path not in ledger.paths():
                raise CorpusError(f"语料库中没有“{Path(path).name}”，可能已被移除。请刷新列表。")
            ledger.remove(path)
        _set_aside(Path(path), Path(settings.corpus_dir))
        return build_index(settings)


def _set_aside(file: Path, corpus: Path) -> None:
    if not file.exists() or not file.resolve().is_relative_to(corpus.resolve()):
        return
    trash = corpus / REMOVED
    trash.mkdir(exist_ok=True)
    for item in (file, sidecar_path(file)):
        if item.exists():
            item.replace(trash / item.name)


def set_meta(settings: Settings, path: str, org: str | None, year: int | str | None, period: str | None
             ) -> IngestReport:
    """Write what the parser could not read into the sidecar NAME.meta.yaml and ingest the file again."""
    file = Path(path)
    if not file.exists():
        raise CorpusError(f"找不到文件 {path}，无法写入补充信息。请重新上传该文件。")
    values = _meta_values(org, year, period)
    sidecar = sidecar_path(file)
    corpus = Path(settings.corpus_dir).resolve()
    if not (file.resolve().is_relative_to(corpus) and sidecar.resolve().is_relative_to(corpus)):
        raise CorpusError(f"“{file.name}”不在语料库文件夹 {settings.corpus_dir} 中，不能在它旁边写补充信息。"
                          "请把文件上传到语料库后再补填。")
    current = yamltext.load(sidecar.read_text("utf-8")) if sidecar.exists() else {}
    merged = {**(current if isinstance(current, dict) else {}), **values}
    with _writing:
        sidecar.write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), "utf-8")
        return ingest(settings, [file])


def _meta_values(org: str | None, year: int | str | None, period: str | None) -> dict:
    values: dict = {}
    if org and org.strip():
        values["org"] = org.strip()
    if year not in (None, ""):
        try:
            values["year"] = int(float(str(year)))
        except ValueError as e:
            raise CorpusError(f"年度“{year}”不是数字，请写四位年份，如 2023。") from e
        if not 1949 <= values["year"] <= 2100:
            raise CorpusError(f"年度“{year}”不像年份，请写四位年份，如 2023。")
    if period:
        if period not in PERIODS:
            raise CorpusError(f"期间应为 {'、'.join(PERIOD_NAMES.values())} 之一。")
        values["period"] = period
    if not values:
        raise CorpusError("请至少填写单位、年度或期间中的一项。")
    return values


# Some of the parser's remarks are written for the CLI in English; the writer reads them in Chinese.
def supported(name: str) -> bool:
    """A file type the corpus reader takes (others are not copied into the corpus folder)."""
    return Path(name).suffix.lower() in SUPPORTED


# ---- the corpus as the CLI reads it: ingest, inspect, search, figures ----

def catalog_ready(settings: Settings) -> None:
    if not settings.catalog_path.exists():
        raise CorpusError(f"{settings.catalog_path} 还没有语料目录；请先运行 `drafter ingest`。")


def inspect(settings: Settings, path: Path, overrides: dict | None = None) -> dict:
    """How one file parses (the `inspect --json` contract), without touching the index."""
    from drafter.ingest.document import parse_file
    from drafter.stores.ledger import document_json

    return document_json(parse_file(path, max_mb=settings.max_file_mb, overrides=overrides))


def search(settings: Settings, query: str, k: int = 10, *, org: str | None = None, year: int | None = None,
           exclude_year: int | None = None, topic: str | None = None, mode: str = "hybrid") -> list[dict]:
    """Past phrasing for a query, with the original characters of the summaries."""
    from drafter.ingest.clean import as_written

    if mode not in ("hybrid", "dense", "lexical"):
        raise CorpusError(f"--mode 应为 hybrid、dense 或 lexical，而不是“{mode}”。")
    hits = Retriever(settings).search(query, k, org=org, year_from=year, year_to=year, exclude_year=exclude_year,
                                      topic=topic, mode=mode)
    return [{"doc": h.doc, "org": h.org, "year": h.year, "section": as_written(h.section), "text": as_written(h.text),
             "score": h.score, "topic": h.topic} for h in hits]


def figures(settings: Settings, *, org: str | None = None, year: int | None = None, indicator: str | None = None
            ) -> tuple[list[dict], bool]:
    """Ledger figures, and whether they were found by meaning because no indicator has that name."""
    catalog_ready(settings)
    with Ledger(settings.catalog_path) as ledger:
        rows = ledger.figures(org=org, year=year, indicator=indicator)
    if rows or not indicator:
        return rows, False
    rows = lookup_figures(settings, indicator, org=org, year=year)
    return rows, bool(rows)


def lookup_figures(settings: Settings, indicator: str, *, org: str | None = None, year: int | None = None,
                   retriever=None, limit: int = 5) -> list[dict]:
    """Ledger figures for an indicator named differently from the catalog: the passages closest in
    meaning to the phrase (same org and year) are searched, and the figures stated in them returned."""
    named = canonical(indicator)
    with Ledger(settings.catalog_path) as ledger:
        exact = ledger.figures(org=org, year=year, indicator=named.name) if named else []
        exact = [c for c in exact if c["indicator"] == named.name] or exact
        candidates = [] if exact else ledger.figures(org=org, year=year)
    if exact or not candidates:  # 高企数量 is an alias of 高新技术企业总数
        return exact[:limit]
    orgs = {c["org"] for c in candidates}
    retriever = retriever or Retriever(settings)
    hits = retriever.search(indicator, k=8, org=orgs.pop() if len(orgs) == 1 else None, year_from=year, year_to=year)
    wanted = set(tokenize(indicator))
    ranked = []
    for rank, hit in enumerate(hits):
        for c in candidates:
            if Path(c["path"]).name == hit.doc and c["sentence"] and c["sentence"][:20] in hit.text:
                overlap = len(wanted & set(tokenize(c["indicator"] + c["sentence"])))
                ranked.append((-overlap, rank, c["start"], c))
    ranked.sort(key=lambda item: item[:3])
    seen, out = set(), []
    for *_, c in ranked:
        if c["id"] not in seen:
            seen.add(c["id"])
            out.append(c)
    return out[:limit]
