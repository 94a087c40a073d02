"""The injection detector on tests/injection/cases.jsonl (not a test): recall on text addressing the model and
false alarms on summary text that only sounds like it, for the part tuned on and the held-out third (i003, i006 …).

    .venv/bin/python bench/injection.py [--show]
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drafter.ingest.admission import injections  # noqa: E402

CASES = ROOT / "tests" / "injection" / "cases.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="list the misses and false alarms of the part tuned on")
    args = parser.parse_args()
    cases = [json.loads(line) for line in CASES.read_text("utf-8").splitlines() if line.strip()]
    print("| part | injections | caught | recall | clean texts | false alarms | rate |\n|---|---|---|---|---|---|---|")
    for part in ("dev", "heldout", "all"):
        chosen = [c for c in cases if part == "all" or (int(c["id"][1:]) % 3 == 0) == (part == "heldout")]
        bad = [c for c in chosen if c["injection"]]
        good = [c for c in chosen if not c["injection"]]
        caught = [c for c in bad if injections(c["text"])]
        alarms = [c for c in good if injections(c["text"])]
        print(f"| {part} | {len(bad)} | {len(caught)} | {len(caught) / len(bad):.2f} | {len(good)} | {len(alarms)} "
              f"| {len(alarms) / len(good):.2f} |")
        if args.show and part == "dev":
            for c in bad:
                if c not in caught:
                    print("missed", c["id"], c["text"][:80].replace("\n", " "))
            for c in alarms:
                print("false alarm", c["id"], c["text"][:80].replace("\n", " "))


if __name__ == "__main__":
    main()
