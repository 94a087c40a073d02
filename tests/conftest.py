import os
import socket
from pathlib import Path

import pytest

from drafter.config import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = ROOT.parent / "shared" / "gold"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection that leaves the machine fails the test: the product must work offline."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise AssertionError(f"test tried to reach the network: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def no_drafter_environment(monkeypatch, tmp_path_factory):
    """Every test, and every subprocess it starts, sees no DRAFTER_* variable unless it sets one itself, no
    drafter.toml of the working directory and a HOME of its own: an endpoint in the developer's shell or
    settings file must never be reached from the suite."""
    for name in [n for n in os.environ if n.startswith("DRAFTER_")]:
        monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DRAFTER_CONFIG", str(home / "drafter.toml"))  # not there: only defaults and DRAFTER_*


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", workspace=tmp_path / "ws")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


FACTS = CORPUS / "facts" / "示例县科学技术局2024年.yaml"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Settings:
    """The sample corpus ingested once (hash embedding: fast and deterministic); tests copy it, never write to it."""
    from drafter.ingest.pipeline import ingest

    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("sample") / "index", embedding="hash")
    ingest(settings)
    return settings


@pytest.fixture
def sampled(sample_index, tmp_path) -> Settings:
    """Settings over the ingested sample corpus with a fresh workspace of this test's own."""
    return sample_index.model_copy(update={"workspace": tmp_path / "ws"})
