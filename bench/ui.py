"""UI latency against a loopback chat server that streams at a fixed rate (not a test).

    .venv/bin/python bench/ui.py [--tps 40] [--runs 5] [--sessions 10] [--rounds 10]

1. First characters: the time from clicking 全部生成 to the first streamed characters of a section on the
   page, measured inside the page (Playwright driving Debian chromium at /usr/bin/chromium), --runs times.
2. Handlers under load: --sessions threads at once, each on a draft of its own, call the UI's own handler
   functions (those behind 保存修改 and an edit of the facts grid) --rounds times each: the time a handler
   takes with the others running (the session layer, checks, patching and the SQLite workspace under
   contention), without Gradio's queue and the page's rendering. Reports p50/p95/max of each kind.
"""

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chat_server import ChatServer, Text  # noqa: E402
from drafter.config import Settings  # noqa: E402
from drafter.ingest.pipeline import ingest  # noqa: E402
from drafter.session import Desk  # noqa: E402
from drafter.ui.app import build_ui, launch  # noqa: E402
from drafter.ui.review import grid_rows  # noqa: E402
from ui_helpers import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

FACTS = ROOT / "corpus" / "facts" / "示例县科学技术局2024年.yaml"
ORG, YEAR = "示例县科学技术局", 2024
FILLER = "围绕年度重点任务，逐项细化措施、压实责任，推动各项工作落地见效。" * 4
WATCH = """() => {  // the first moment a section being written shows text, on the page's own clock
  window.firstText = null;
  new MutationObserver((_, observer) => {
    if ([...document.querySelectorAll('#live [data-status=writing] .live-text')].some(e => e.textContent.trim())) {
      window.firstText = performance.now(); observer.disconnect();
    }
  }).observe(document.querySelector('#live'), {subtree: true, childList: true, characterData: true, attributes: true});
  window.clicked = performance.now();
  document.querySelector('#generate-all').click();
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tps", type=float, default=40.0, help="tokens per second per stream")
    parser.add_argument("--runs", type=int, default=5, help="drafting runs timed in the browser")
    parser.add_argument("--sessions", type=int, default=10, help="concurrent sessions for the handler latency")
    parser.add_argument("--rounds", type=int, default=10, help="edits and fact changes per session")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp) / "index", workspace=Path(tmp) / "ws",
                            embedding="hash", llm_max_retries=0, llm_timeout=60)
        ingest(settings)
        with ChatServer(lambda _request: Text(FILLER), tokens_per_second=args.tps) as server:
            demo = build_ui(settings.model_copy(update={"llm_base_url": server.url}))
            _, url, _ = launch(demo, host="127.0.0.1", port=free_port(), block=False)
            try:
                first = first_characters(url.rstrip("/"), settings, args.runs)
                loads = under_load(demo, settings, args.sessions, args.rounds)
            finally:
                demo.close()
    report(first, loads, args)


def draft(settings: Settings, name: str, written: bool) -> int:
    """A draft with the sample facts (and, for the load test, every section written offline)."""
    session = Desk(settings, offline_model=True).create(ORG, YEAR, "annual", name=name)
    session.import_facts(FACTS)
    if written:
        session.generate()
    return session.id


def first_characters(url: str, settings: Settings, runs: int) -> list[float]:
    """Milliseconds from the click on 全部生成 to the first streamed characters on the page."""
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        for run in range(runs):
            page.goto(f"{url}/?draft={draft(settings, f'首字{run}', written=False)}")
            expect(page.locator("#current-draft")).to_contain_text("当前稿件", timeout=20000)
            page.get_by_role("tab", name="起草与审阅", exact=True).click()
            page.evaluate(WATCH)
            page.wait_for_function("() => window.firstText !== null", timeout=60000, polling=50)
            times.append(page.evaluate("() => window.firstText - window.clicked"))
            expect(page.locator("#live [data-section=plan]")).to_have_attribute("data-status", "saved", timeout=120000)
        browser.close()
    return times


def under_load(demo, settings: Settings, sessions: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per call of the UI's save and fact-change handlers, `sessions` threads at once."""
    handlers = {f.api_name: f.fn for f in demo.fns.values()}
    save, change = handlers["save_section"], handlers["change_facts"]
    drafts = [draft(settings, f"并发{i}", written=True) for i in range(sessions)]
    timings: dict[str, list[float]] = {"保存修改": [], "修改数据": []}
    lock = threading.Lock()
    start = threading.Barrier(sessions)

    def work(draft_id: int) -> None:
        session = Desk(settings, offline_model=True).open(draft_id)
        rows = grid_rows(session)
        total = next(r for r in rows if r[0] == "高新技术企业总数")
        start.wait()
        for i in range(rounds):
            shown = next(s.version for s in session.sections() if s.id == "enterprises")  # as the page holds it
            took = timed(save, draft_id, "enterprises", f"{shown.text}\n\n第{i + 1}次修改。", shown.id)
            total[3] = str(99 + i % 5)
            changed = timed(change, draft_id, rows, session.facts_rev())  # the revision the grid was loaded from
            with lock:
                timings["保存修改"].append(took)
                timings["修改数据"].append(changed)

    threads = [threading.Thread(target=work, args=(d,)) for d in drafts]
    with contextlib.redirect_stdout(io.StringIO()):  # gr.Info outside a page prints each "已保存…"
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return timings


def timed(handler, *inputs) -> float:
    started = time.perf_counter()
    handler(*inputs)
    return time.perf_counter() - started


def report(first: list[float], loads: dict[str, list[float]], args) -> None:
    print(f"loopback chat server: {args.tps:g} tokens/s per stream, 2 characters per token")
    print(f"全部生成 → first streamed characters on the page ({len(first)} runs): "
          f"median {statistics.median(first):.0f} ms, max {max(first):.0f} ms "
          f"({', '.join(f'{t:.0f}' for t in first)})")
    print(f"handler latency, {args.sessions} concurrent sessions × {args.rounds} rounds (threads calling the UI's handlers):")
    for kind, values in loads.items():
        ordered = sorted(values)
        p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
        print(f"  {kind}: n={len(values)}  p50 {statistics.median(values) * 1000:.0f} ms  "
              f"p95 {p95 * 1000:.0f} ms  max {ordered[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
