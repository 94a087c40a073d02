"""Passages of the ingested summaries into the index: split, embedded (only what is new), topic-labelled, and
stored in the vector store and the lexical index that retrieval searches."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drafter.config import Settings
from drafter.embeddings import Embedder, make_embedder
from drafter.ingest.passages import Passage, assign_topics, document_passages, topics
from drafter.stores.ledger import Ledger
from drafter.stores.lexical import BM25, LexicalIndexError, tokenize
from drafter.stores.retrieve import LEXICAL

BATCH = 32
Progress = Callable[[int, int, float], None]  # (done, total, passages per second)


@dataclass(frozen=True)
class IndexReport:
    passages: int
    embedded: int
    removed: int
    seconds: float
    rebuilt_from: str | None = None


def build_index(settings: Settings, *, embedder: Embedder | None = None, store=None,
                on_progress: Progress | None = None) -> IndexReport:
    """Bring the vector store and the lexical index in line with the catalog, embedding only new passages."""
    from drafter.stores.vectors import VectorStore

    started = time.perf_counter()
    embedder = embedder or make_embedder(settings)
    store = store or VectorStore(settings, embedder)
    with Ledger(settings.catalog_path) as ledger:
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


