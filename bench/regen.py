"""Regeneration benchmark: how long a changed fact takes to reach every section of a draft, in place.

The sample facts file is drafted (offline drafter: every section states its numbers), then one fact is
changed back and forth; each change saves a new facts revision, patches every section stating it (the
value and its 增量 / 同比 / 完成率) and saves those sections as new versions. The drafting session is
configured with a model on a loopback server, to show that patching never calls it.

    .venv/bin/python bench/regen.py [--rounds 40]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chat_server import ChatServer, Text, scripted  # noqa: E402
from drafter.config import Settings  # noqa: E402
from drafter.ingest.pipeline import ingest  # noqa: E402
from drafter.llm import chat_model  # noqa: E402
from drafter.session import Desk  # noqa: E402

FACTS = ROOT / "corpus" / "facts" / "示例县科学技术局2024年.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp) / "index", workspace=Path(tmp) / "ws",
                            embedding="hash")
        ingest(settings)
        drafted = Desk(settings, offline_model=True).quick(facts=FACTS)
        drafted.generate()
        with ChatServer(scripted(Text("不应被调用。"))) as server:
            settings = settings.model_copy(update={"llm_base_url": server.url})
            session = Desk(settings, model=chat_model(settings)).open(drafted.id)
            session.table()  # the first table reads the ledger; a writer's session has it already
            times, patched = [], 0
            for i in range(args.rounds):
                started = time.perf_counter()
                update = session.set_fact("高新技术企业总数", value=99 if i % 2 == 0 else 98)
                times.append(time.perf_counter() - started)
                patched += sum(len(c) for c in update.patched.values())
            calls = len(server.requests)
        report(session, times, patched, calls)


def report(session, times: list[float], patched: int, calls: int) -> None:
    sections = [s for s in session.sections() if s.kind != "heading" and s.version]
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"draft: {len(sections)} sections, {sum(len(s.version.text) for s in sections)} characters")
    print(f"rounds: {len(ms)}; numbers rewritten per round: {patched / len(ms):.1f}; model calls: {calls}")
    print(f"apply a changed fact: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
          f"({'meets' if p95 < 50 else 'misses'} the 50 ms goal)")


if __name__ == "__main__":
    main()
