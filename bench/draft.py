"""Whole-draft wall time against a loopback chat server that streams at a fixed rate (not a test).

    .venv/bin/python bench/draft.py [--tps 40] [--concurrency 8] [--chars-per-token 2]

Each section's answer is as long as the outline's target length, streamed at --tps tokens per second.
Reports wall time, the sum of section times, the critical path (longest body section + the synthesis
chain: max(problems → plan, lead)), and the prompt size of every section. Goal: wall ≤ 1.15 × critical path.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chat_server import ChatServer, Text, last_user_text  # noqa: E402
from drafter.config import Settings  # noqa: E402
from drafter.ingest.pipeline import ingest  # noqa: E402
from drafter.llm import chat_model  # noqa: E402
from drafter.session import Desk  # noqa: E402

FACTS = ROOT / "corpus" / "facts" / "示例县科学技术局2024年.yaml"
FILLER = "围绕年度重点任务，逐项细化措施、压实责任，推动各项工作落地见效。"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tps", type=float, default=40.0, help="tokens per second per stream")
    parser.add_argument("--chars-per-token", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp) / "index", workspace=Path(tmp) / "ws",
                            embedding="hash", llm_concurrency=args.concurrency, llm_max_retries=0, llm_timeout=60)
        ingest(settings)
        planned = Desk(settings, offline_model=True).quick(facts=FACTS).planned()
        lengths = {p.heading or "开头的总述段": p.spec.length for p in planned if p.spec.kind != "heading"}

        def respond(request: dict) -> Text:
            prompt = last_user_text(request).split("\n")[0]  # the first line names the section
            length = next((n for heading, n in lengths.items() if heading in prompt), 300)
            return Text((FILLER * (length // len(FILLER) + 1))[:length])

        with ChatServer(respond, tokens_per_second=args.tps, chars_per_token=args.chars_per_token) as server:
            settings = settings.model_copy(update={"llm_base_url": server.url})
            session = Desk(settings, model=chat_model(settings)).quick(facts=FACTS)
            started = time.perf_counter()
            result = session.generate()
            wall = time.perf_counter() - started
    report(result, {p.spec.id: p.heading for p in planned}, wall, args)


def report(result, headings: dict[str, str], wall: float, args) -> None:
    sections = result.results
    body = [v for v in sections.values() if v.id not in ("lead", "problems", "plan")]
    synth = {k: sections[k].seconds for k in ("lead", "problems", "plan") if k in sections}
    critical = max(v.seconds for v in body) + max(synth.get("problems", 0) + synth.get("plan", 0), synth.get("lead", 0))
    total = sum(v.seconds for v in sections.values())
    print(f"stream rate {args.tps:g} tokens/s × {args.chars_per_token} chars/token, concurrency {args.concurrency}")
    print(f"{'section':<28}{'prompt chars':>14}{'answer chars':>14}{'seconds':>10}")
    for v in sections.values():
        print(f"{(headings[v.id] or '开头总述')[:14]:<28}{v.prompt_chars:>14}{len(v.text):>14}{v.seconds:>10.2f}")
    print(f"sum of section times  {total:7.2f} s")
    print(f"critical path         {critical:7.2f} s  (longest body {max(v.seconds for v in body):.2f} s + synthesis)")
    print(f"wall time             {wall:7.2f} s  = {wall / critical:.3f} × critical path"
          f" ({'meets' if wall <= 1.15 * critical else 'misses'} the 1.15 goal), {total / wall:.1f}× faster than serial")
    failed = [headings[v.id] for v in sections.values() if not v.ok]
    if failed:
        print("failed sections:", ", ".join(failed))


if __name__ == "__main__":
    main()
