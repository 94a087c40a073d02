"""How the number checker reads real summaries (not a test): on the gold seeds, how many labelled figures it
finds as numbers to verify, and which numbers it would flag that are not figures (dates, names, noise).

    .venv/bin/python bench/check_numbers.py [--show]
"""

import argparse
import json
from pathlib import Path

from drafter.numbers.checks import mentions

GOLD = Path(__file__).resolve().parents[2] / "shared" / "gold"
SEEDS = GOLD.parent / "seeds"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true", help="print the numbers that are not labelled figures")
    args = parser.parse_args()
    gold = [json.loads(line) for line in (GOLD / "figures.jsonl").read_text("utf-8").splitlines() if line.strip()]
    for doc in sorted({g["doc"] for g in gold}):
        text = (SEEDS / doc).read_text("utf-8")
        found = mentions(text)
        spans = []
        for g in (g for g in gold if g["doc"] == doc):
            start = text.find(g["sentence"])
            spans.append((start, start + len(g["sentence"]), [g["value"], g.get("value_high")]))
        hit = sum(any(a <= m.start < b and any(v is not None and abs(m.value - v) < 1e-3 for v in vs) for m in found)
                  for a, b, vs in spans)
        extra = [m for m in found
                 if not any(a <= m.start < b and any(v is not None and abs(m.value - v) < 1e-3 for v in vs)
                            for a, b, vs in spans)]
        print(f"{doc}: labelled figures found {hit}/{len(spans)}; numbers that are not labelled figures {len(extra)}")
        if args.show:
            for m in extra:
                print("   ", m.text, "|", text[max(0, m.start - 12):m.end + 4].replace("\n", " "))


if __name__ == "__main__":
    main()
