"""Index passages of past summaries and search them: a dense leg (Chroma) fused with a lexical leg (BM25)."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from drafter.config import Settings
from drafter.embeddings import Embedder, make_embedder
from drafter.stores.ledger import Ledger
from drafter.stores.lexical import BM25, LexicalIndexError, tokenize
from drafter.ingest.passages import Passage, assign_topics, document_passages, topics

Mode = Literal["hybrid", "dense", "lexical"]
# Chosen on ../shared/gold/retrieval.jsonl (bench/retrieval_quality.py): a normalised score mix
# beat reciprocal rank fusion (recall@10 0.912 vs 0.865 at 4 passages per document).
DENSE_WEIGHT = 0.3
PER_DOC = 4
BATCH = 32
LEXICAL = "lexical"  # lexical.npz + lexical.json in the index folder
Progress = Callable[[int, int, float], None]  # (done, total, passages per second)


@dataclass(frozen=True)
class IndexReport:
    passages: int
    embedded: int
    removed: int
    seconds: float
    rebuilt_from: str | None = None


@dataclass(frozen=True)
class Hit:
    id: str
    doc: str
    org: str | None
    year: int | None
    period: str | None
    section: str
    topic: str
    part: str
    text: str
    masked: str
    score: float


def build_index(settings: Settings, *, embedder: Embedder | None = None, store=None,
                on_progress: Progress | None = None) -> IndexReport:
    """Bring the vector store and the lexical index in line with the catalog, embedding only new passages."""
    from drafter.stores.vectors import VectorStore

    started = time.perf_counter()
    embedder = embedder or make_embedder(settings)
    store = store or VectorStore(settings, embedder)
    ledger = Ledger(settings.catalog_path)
    try:
        source = ledger.catalog_id
        wanted = {p.id: (doc_id, p, sections) for doc_id, path, sha, meta, sections in ledger.stored_documents()
                  for p in document_passages(path, _passage_key(source, sha, meta), meta, sections)}
        in_store, in_ledger = store.ids(source), ledger.passage_ids()
        new = [pid for pid in wanted if pid not in in_store or pid not in in_ledger]
        stale = sorted((in_store | in_ledger) - set(wanted))
        if stale:
            store.delete([pid for pid in stale if pid in in_store])
            ledger.delete_passages(stale)
        if new:
            _embed_and_store(new, wanted, embedder, store, ledger, source, on_progress)
        if new or stale or not _lexical_ok(Path(settings.index_dir)):
            _write_lexical(ledger.passages(), Path(settings.index_dir), source)
    finally:
        ledger.close()
    return IndexReport(len(wanted), len(new), len(stale), time.perf_counter() - started, store.rebuilt_from)


def _passage_key(source: str, sha: str, meta) -> str:
    """Passage ids change with content and metadata (a sidecar edit re-labels the vectors) and are
    unique to a catalog, so that catalogs sharing a vector server never overwrite each other."""
    return hashlib.sha1(f"{source}|{sha}|{meta.org}|{meta.year}|{meta.period}".encode()).hexdigest()


def _embed_and_store(new: list[str], wanted: dict, embedder: Embedder, store, ledger: Ledger, source: str,
                     on_progress: Progress | None) -> None:
    passages = [wanted[pid][1] for pid in new]
    started = time.perf_counter()
    chunks = []
    for start in range(0, len(passages), BATCH):
        chunks.append(embedder.passages([p.text for p in passages[start:start + BATCH]]))
        if on_progress:
            done = min(start + BATCH, len(passages))
            on_progress(done, len(passages), done / max(time.perf_counter() - started, 1e-9))
    vectors = np.concatenate(chunks)
    topic_vectors = np.stack([embedder.query(t.description) for t in topics()])
    labels = _topics_by_document(passages, wanted, new, vectors, topic_vectors)
    store.add(new, vectors, [_metadata(p, t) | {"source": source} for p, t in zip(passages, labels)],
              [p.text for p in passages])
    ledger.store_passages([
        (p.id, wanted[p.id][0], p.section_idx, p.position, p.section, p.part, t, p.text, p.masked,
         " ".join(tokenize(p.text)))
        for p, t in zip(passages, labels)
    ])


def _topics_by_document(passages: list[Passage], wanted: dict, new: list[str], vectors: np.ndarray,
                        topic_vectors: np.ndarray) -> list[str]:
    labels = [""] * len(passages)
    by_doc: dict[int, list[int]] = {}
    for i, pid in enumerate(new):
        by_doc.setdefault(wanted[pid][0], []).append(i)
    for rows in by_doc.values():
        sections = wanted[new[rows[0]]][2]
        for i, label in zip(rows, assign_topics([passages[i] for i in rows], sections, vectors[rows], topic_vectors)):
            labels[i] = label
    return labels


def _metadata(p: Passage, topic: str) -> dict:
    """Chroma metadata values cannot be None: unknown text is "", an unknown year is 0."""
    return {"doc": p.doc, "org": p.org or "", "year": p.year or 0, "period": p.period or "", "topic": topic,
            "part": p.part, "section": p.section[:200], "position": p.position}


def _write_lexical(rows: list[dict], folder: Path, source: str | None = None) -> None:
    bm25 = BM25([r["tokens"].split() for r in rows])
    keep = ("id", "path", "org", "year", "period", "section", "topic", "part", "text", "masked")
    bm25.save(folder, LEXICAL, {"source": source, "rows": [{k: r[k] for k in keep} for r in rows]})


def _lexical_ok(folder: Path) -> bool:
    """A lexical index that loads and checks out; anything else is rebuilt by the next ingest."""
    try:
        BM25.load(folder, LEXICAL)
    except LexicalIndexError:
        return False
    return True


class Retriever:
    """Hybrid search over indexed passages. Build once, query many times."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, store=None):
        from drafter.stores.vectors import IndexStoreError, VectorStore

        folder = Path(settings.index_dir)
        if not (folder / f"{LEXICAL}.json").exists():
            raise IndexStoreError(f"{settings.index_dir} 中还没有检索索引。请先运行 `drafter ingest`。")
        try:
            self.bm25, meta = BM25.load(folder, LEXICAL)
            self.rows: list[dict] = meta["rows"]
        except (LexicalIndexError, KeyError) as e:
            raise IndexStoreError(f"{folder / LEXICAL}.* 已损坏（{e}）。运行 `drafter ingest` 会从语料目录重建它。") from e
        # only a shared server holds other catalogs' passages; locally the filter would only cost time
        self.source: str | None = meta.get("source") if settings.chroma_url else None
        self.embedder = embedder or make_embedder(settings)
        self.store = store or VectorStore(settings, self.embedder)
        self.row_of = {r["id"]: i for i, r in enumerate(self.rows)}
        self._years = np.array([r["year"] or 0 for r in self.rows], dtype=np.int32)
        self._columns = {key: np.array([r[key] or "" for r in self.rows], dtype=object)
                         for key in ("org", "period", "topic", "part")}

    def search(self, query: str, k: int = 10, *, org: str | None = None, year_from: int | None = None,
               year_to: int | None = None, exclude_year: int | None = None, period: str | None = None,
               topic: str | None = None, part: str | None = None, mode: Mode = "hybrid",
               per_doc: int = PER_DOC) -> list[Hit]:
        """Top-k passages for a query; at most `per_doc` from one document."""
        filters = dict(org=org, year_from=year_from, year_to=year_to, exclude_year=exclude_year, period=period,
                       topic=topic, part=part)
        pool = max(50, 5 * k)
        dense = self._dense(query, pool, filters) if mode in ("hybrid", "dense") else []
        lexical = self._lexical(query, pool, filters) if mode in ("hybrid", "lexical") else []
        weight = {"hybrid": DENSE_WEIGHT, "dense": 1.0, "lexical": 0.0}[mode]
        return self._diverse(_mix(dense, lexical, weight), k, per_doc)

    def _dense(self, query: str, n: int, f: dict) -> list[tuple[str, float]]:
        from drafter.stores.vectors import where_clause

        where = where_clause({
            "source": self.source, "org": f["org"], "period": f["period"], "topic": f["topic"], "part": f["part"],
            "year": ("$gte", f["year_from"]) if f["year_from"] else None,
        })
        hits = self.store.query(self.embedder.query(query), n * 2, where)
        return [(pid, sim) for pid, sim in hits if pid in self.row_of and self._allowed_row(self.row_of[pid], f)][:n]

    def _lexical(self, query: str, n: int, f: dict) -> list[tuple[str, float]]:
        mask = np.ones(len(self.rows), dtype=bool)
        for key in ("org", "period", "topic", "part"):
            if f[key]:
                mask &= self._columns[key] == f[key]
        if f["year_from"]:
            mask &= self._years >= f["year_from"]
        if f["year_to"]:
            mask &= self._years <= f["year_to"]
        if f["exclude_year"]:
            mask &= self._years != f["exclude_year"]
        return [(self.rows[i]["id"], score) for i, score in self.bm25.top(tokenize(query), n, mask)]

    def _allowed_row(self, i: int, f: dict) -> bool:
        year = self._years[i]
        return not ((f["year_to"] and year > f["year_to"]) or (f["exclude_year"] and year == f["exclude_year"]))

    def _diverse(self, fused: list[tuple[str, float]], k: int, per_doc: int) -> list[Hit]:
        hits, per = [], {}
        for pid, score in fused:
            r = self.rows[self.row_of[pid]]
            if per.get(r["path"], 0) >= per_doc:
                continue
            per[r["path"]] = per.get(r["path"], 0) + 1
            hits.append(Hit(pid, Path(r["path"]).name, r["org"], r["year"], r["period"], r["section"], r["topic"],
                            r["part"], r["text"], r["masked"], round(score, 6)))
            if len(hits) == k:
                break
        return hits


def _mix(dense: list[tuple[str, float]], lexical: list[tuple[str, float]], dense_weight: float) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised dense similarities and max-normalised BM25 scores."""
    scores: dict[str, float] = {}
    if dense:
        values = [v for _, v in dense]
        low, span = min(values), (max(values) - min(values)) or 1.0
        for pid, v in dense:
            scores[pid] = dense_weight * (v - low) / span if len(dense) > 1 else dense_weight
    if lexical:
        top = max(v for _, v in lexical) or 1.0
        for pid, v in lexical:
            scores[pid] = scores.get(pid, 0.0) + (1 - dense_weight) * v / top
    return sorted(scores.items(), key=lambda item: -item[1])


def lookup_figures(settings: Settings, indicator: str, *, org: str | None = None, year: int | None = None,
                   retriever: "Retriever | None" = None, limit: int = 5) -> list[dict]:
    """Ledger figures for an indicator named differently from the catalog: the passages closest in
    meaning to the phrase (same org and year) are searched, and the figures stated in them returned."""
    from drafter.numbers.figures import canonical

    named = canonical(indicator)
    ledger = Ledger(settings.catalog_path)
    try:
        exact = ledger.figures(org=org, year=year, indicator=named.name) if named else []
        exact = [c for c in exact if c["indicator"] == named.name] or exact
        candidates = [] if exact else ledger.figures(org=org, year=year)
    finally:
        ledger.close()
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
