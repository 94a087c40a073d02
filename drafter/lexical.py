"""The lexical leg: jieba tokens and a BM25 index kept as numpy arrays (fast at 100k passages)."""

import logging
import re
import threading

import numpy as np

_STOP = set("的 了 和 与 及 等 在 对 为 以 将 把 被 并 或 是 有 个 年 月 日 中 上 下 共 全 各 其 该 我 局 县 市 区 一 也 又 还 要".split())
_TOKEN = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_jieba_lock = threading.Lock()
_jieba_ready = False


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens without punctuation, digits and stop words."""
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True
    return [t for t in jieba.cut_for_search(text) if _TOKEN.search(t) and t not in _STOP]


class BM25:
    """Okapi BM25 over pre-tokenised passages; postings hold precomputed term weights."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
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
