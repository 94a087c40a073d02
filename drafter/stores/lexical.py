"""The lexical leg: jieba tokens and a BM25 index kept as numpy arrays (fast at 100k passages).

Saved as data only (an .npz of arrays read with allow_pickle=False, and JSON), never pickled: index
folders are shared between colleagues, and reading one must never run code.
"""

import hashlib
import json
import logging
import re
import threading
from pathlib import Path

import numpy as np

_STOP = set("的 了 和 与 及 等 在 对 为 以 将 把 被 并 或 是 有 个 年 月 日 中 上 下 共 全 各 其 该 我 局 县 市 区 一 也 又 还 要".split())
_TOKEN = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens without punctuation, digits and stop words."""
    return [t for t in _jieba().cut_for_search(text) if _TOKEN.search(t) and t not in _STOP]


def leading_place(text: str) -> str:
    """The place name a text opens with, as jieba's tagger reads it (九江市, 江西省, 阿坝州; not 建成市级…, 城市):
    a place word of three characters or more ending as a province, city or prefecture does, or one before 全市
    (襄阳全市); "" otherwise."""
    _jieba()
    from jieba import posseg

    with _jieba_lock:  # the tagger is not safe to start from two threads at once
        first = next(iter(posseg.cut(text[:12])), None)
    if not first or first.flag != "ns":
        return ""
    if len(first.word) >= 3 and re.search(r"(?:省|自治区|市|州|盟)$", first.word):
        return first.word
    return first.word if len(first.word) >= 2 and re.match(r"全(?:省|市|州)", text[len(first.word):]) else ""  # 襄阳全市


FORMAT = 1


class LexicalIndexError(ValueError):
    """The saved lexical index is missing, of another format, or damaged."""


class BM25:
    """Okapi BM25 over pre-tokenised passages; postings hold precomputed term weights."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self._build(docs, k1, b)

    def _build(self, docs: list[list[str]], k1: float, b: float) -> None:
        self.n = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if self.n else 1.0
        postings: dict[str, dict[int, int]] = {}
        for i, tokens in enumerate(docs):
            for t in tokens:
                postings.setdefault(t, {}).setdefault(i, 0)
                postings[t][i] += 1
        self.vocab: dict[str, int] = {}
        indptr, doc_ids, weights = [0], [], []
        for term, hits in postings.items():
            self.vocab[term] = len(self.vocab)
            ids = np.fromiter(hits.keys(), dtype=np.int32, count=len(hits))
            tf = np.fromiter(hits.values(), dtype=np.float32, count=len(hits))
            idf = np.log(1 + (self.n - len(hits) + 0.5) / (len(hits) + 0.5))
            norm = k1 * (1 - b + b * lengths[ids] / (avg or 1.0))
            doc_ids.append(ids)
            weights.append((idf * tf * (k1 + 1) / (tf + norm)).astype(np.float32))
            indptr.append(indptr[-1] + len(hits))
        self.indptr = np.array(indptr, dtype=np.int64)
        self.doc_ids = np.concatenate(doc_ids) if doc_ids else np.zeros(0, np.int32)
        self.weights = np.concatenate(weights) if weights else np.zeros(0, np.float32)

    def save(self, folder: Path, stem: str, extra: dict) -> None:
        """stem.npz (arrays) and stem.json (format, vocabulary, `extra`, checksum of the arrays), each
        written to a temporary file first so that a reader never sees half a file."""
        arrays = folder / f"{stem}.npz"
        with (folder / f"{stem}.npz.tmp").open("wb") as f:
            np.savez(f, indptr=self.indptr, doc_ids=self.doc_ids, weights=self.weights)
        digest = _sha256(folder / f"{stem}.npz.tmp")
        meta = {"format": FORMAT, "n": self.n, "vocab": list(self.vocab), "sha256": digest, **extra}
        (folder / f"{stem}.json.tmp").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        (folder / f"{stem}.npz.tmp").replace(arrays)
        (folder / f"{stem}.json.tmp").replace(folder / f"{stem}.json")

    @classmethod
    def load(cls, folder: Path, stem: str) -> tuple["BM25", dict]:
        """The index and the `extra` saved with it; LexicalIndexError when missing, foreign or damaged."""
        arrays, meta_path = folder / f"{stem}.npz", folder / f"{stem}.json"
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            if meta.get("format") != FORMAT:
                raise LexicalIndexError(f"{meta_path.name} 是另一版本的格式（{meta.get('format')}）")
            if _sha256(arrays) != meta["sha256"]:
                raise LexicalIndexError(f"{arrays.name} 与 {meta_path.name} 不匹配（文件损坏或不完整）")
            with np.load(arrays, allow_pickle=False) as data:
                self = cls.__new__(cls)
                self.indptr, self.doc_ids, self.weights = data["indptr"], data["doc_ids"], data["weights"]
            self.n, self.vocab = int(meta["n"]), {t: i for i, t in enumerate(meta["vocab"])}
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise LexicalIndexError(str(e)) from e
        if len(self.indptr) != len(self.vocab) + 1 or len(self.doc_ids) != len(self.weights):
            raise LexicalIndexError(f"{arrays.name} 的内容不完整")
        return self, meta

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for t in set(query_tokens):
            j = self.vocab.get(t)
            if j is not None:
                lo, hi = self.indptr[j], self.indptr[j + 1]
                out[self.doc_ids[lo:hi]] += self.weights[lo:hi]
        return out

    def top(self, query_tokens: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best n (row, score) with a positive score, optionally restricted by a boolean mask."""
        s = self.scores(query_tokens)
        if allowed is not None:
            s = np.where(allowed, s, 0.0)
        n = min(n, int((s > 0).sum()))
        if n == 0:
            return []
        idx = np.argpartition(-s, n - 1)[:n]
        idx = idx[np.argsort(-s[idx])]
        return [(int(i), float(s[i])) for i in idx]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
