"""Index passages of past summaries and search them: a dense leg (Chroma) fused with a lexical leg (BM25)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from drafter.config import Settings
from drafter.embeddings import Embedder, make_embedder
from drafter.stores.lexical import BM25, LexicalIndexError, tokenize

Mode = Literal["hybrid", "dense", "lexical"]
# Chosen on ../shared/gold/retrieval.jsonl (bench/retrieval_quality.py): a normalised score mix
# beat reciprocal rank fusion (recall@10 0.912 vs 0.865 at 4 passages per document).
DENSE_WEIGHT = 0.3
PER_DOC = 4
LEXICAL = "lexical"  # lexical.npz + lexical.json in the index folder


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
