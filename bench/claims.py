"""Number checker on the labelled drafts of tests/claims/cases.jsonl: per-class recall and precision.

Each case is a draft passage with planted defects (class and the exact wrong text) and legitimate
figures that must not be flagged, labelled before the checker ran. A defect is caught when an error
finding overlaps it (and caught "by kind" when the finding's kind is the defect's class); a finding
that overlaps no planted defect is a false alarm.

    .venv/bin/python bench/claims.py [--part dev|heldout|all] [--cases FILE] [--show] [--speed]

Held out, never tuned on: every third case of tests/claims/cases.jsonl (c003, c006, …; `--part heldout`) and
the independent set tests/claims/heldout/cases.jsonl (written by someone who had not read the checker;
`--cases tests/claims/heldout/cases.jsonl`). Score them once before a change to the checker and once after.

--speed also times the check of a 10,000-character draft against 200 past summaries (made by
shuffling the sentences of the sample corpus), cold (the past summaries indexed first) and warm.
"""

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "claims" / "cases.jsonl"
NOT_ERRORS = {"pending", "placeholder", "outline"}


@dataclass
class Score:
    planted: Counter = field(default_factory=Counter)
    caught: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    findings: int = 0
    false_alarms: list = field(default_factory=list)
    missed: list = field(default_factory=list)
    legit_flagged: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return 1 - len(self.false_alarms) / self.findings if self.findings else 1.0


def load_cases(path: Path = CASES) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def in_part(case: dict, part: str) -> bool:
    """Every third case (c003, c006 …) is held out: scored, never tuned on."""
    held = int(case["id"].lstrip("c")) % 3 == 0
    return part == "all" or held == (part == "heldout")


def score(cases: list[dict], check_case) -> Score:
    """`check_case(case) -> list[Finding]` is the checker under test."""
    out = Score()
    for case in cases:
        text = case["text"]
        findings = [f for f in check_case(case) if f.kind not in NOT_ERRORS]
        spans = [(text.index(d["text"]), text.index(d["text"]) + len(d["text"]), d) for d in case["defects"]]
        out.findings += len(findings)
        for start, end, d in spans:
            out.planted[d["class"]] += 1
            hits = [f for f in findings if f.start < end and start < f.end]
            if hits:
                out.caught[d["class"]] += 1
                out.by_kind[d["class"]] += any(f.kind == d["class"] for f in hits)
            else:
                out.missed.append((case["id"], d["class"], d["text"], d.get("why", "")))
        for f in findings:
            if not any(f.start < end and start < f.end for start, end, _ in spans):
                out.false_alarms.append((case["id"], f.kind, f.text, f.message))
        for legit in case.get("legit", []):
            at = text.index(legit)
            if any(f.start < at + len(legit) and at < f.end for f in findings):
                out.legit_flagged.append((case["id"], legit))
    return out


def checker(settings):
    """The number checker as `drafter check` runs it, over the sample index or the past summaries a case names
    (`"corpus": "tests/fixtures/bureaus"` for a bureau that is not in the sample corpus)."""
    from drafter.ingest.pipeline import ingest
    from drafter.numbers import checks
    from drafter.numbers.facts import note_kind, read_facts
    from drafter.session.inputs import grounds

    cache: dict = {}
    indexes = {str(settings.corpus_dir): settings}

    def indexed(corpus: str):
        folder = str(ROOT / corpus)
        if folder not in indexes:
            indexes[folder] = settings.model_copy(update={"corpus_dir": Path(folder),
                                                          "index_dir": settings.index_dir.with_name(f"index{len(indexes)}")})
            ingest(indexes[folder])
        return indexes[folder]

    def check_case(case: dict):
        if case["facts"] not in cache:  # one facts table and one past-summary index per facts file
            given = read_facts(ROOT / case["facts"])
            cache[case["facts"]] = grounds(indexed(case.get("corpus", "corpus")), given, given.org, given.year)
        g = cache[case["facts"]]
        return checks.check(case["text"], g.table, past=g.past, copy_min_chars=settings.copy_min_chars,
                            context_values=g.context_values, future=note_kind(case.get("section", "")) == "plan")
    return check_case


def report(s: Score, show: bool) -> None:
    print(f"{'class':<20}{'planted':>8}{'caught':>8}{'recall':>8}{'by kind':>9}")
    for cls in sorted(s.planted):
        n = s.planted[cls]
        print(f"{cls:<20}{n:>8}{s.caught[cls]:>8}{s.caught[cls] / n:>8.2f}{s.by_kind[cls] / n:>9.2f}")
    total = sum(s.planted.values())
    print(f"{'all':<20}{total:>8}{sum(s.caught.values()):>8}{sum(s.caught.values()) / total:>8.2f}"
          f"{sum(s.by_kind.values()) / total:>9.2f}")
    print(f"findings {s.findings}, false alarms {len(s.false_alarms)}, precision {s.precision:.2f}; "
          f"legitimate figures flagged: {len(s.legit_flagged)}")
    if show:
        for row in s.missed:
            print("missed", *row, sep="\t")
        for row in s.false_alarms:
            print("false alarm", *row, sep="\t")


def speed(settings) -> None:
    from drafter.numbers import checks
    from drafter.stores.ledger import Ledger

    ledger = Ledger(settings.catalog_path)
    texts = [r["text"] for r in ledger.document_texts()]
    ledger.close()
    rng = random.Random(7)
    sentences = [s for t in texts for s in re.findall(r"[^。]+。", t)]
    past = [(f"past{i}.txt", "".join(rng.sample(sentences, min(len(sentences), 60)))) for i in range(200)]
    draft = "".join(c["text"] for c in load_cases())
    draft = (draft * (10_000 // len(draft) + 1))[:10_000]
    table = checker(settings)  # builds the facts table on first use
    case = {"facts": "corpus/facts/示例县科学技术局2024年.yaml", "text": draft}
    table(case)
    indexed = checks.PastTexts(past)
    for label in ("cold", "warm"):
        started = time.perf_counter()
        found = checks.check(draft, None, past=indexed, copy_min_chars=settings.copy_min_chars)
        copy_s = time.perf_counter() - started
        started = time.perf_counter()
        table(case)
        numbers_s = time.perf_counter() - started
        print(f"{label}: 10,000 characters vs {len(past)} past summaries ({sum(len(t) for _, t in past):,} characters):"
              f" copy detection {copy_s:.2f} s, number claims {numbers_s:.2f} s, {len(found)} copy findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="list missed defects and false alarms")
    parser.add_argument("--speed", action="store_true", help="time a 10,000-character check against 200 past summaries")
    parser.add_argument("--part", choices=("dev", "heldout", "all"), default="all",
                        help="of tests/claims/cases.jsonl: the two thirds tuned on, the third held out, or all")
    parser.add_argument("--cases", type=Path, help="another labelled set (JSON lines), e.g. tests/claims/heldout/cases.jsonl")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from drafter.config import Settings
    from drafter.ingest.pipeline import ingest

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp) / "index", embedding="hash")
        ingest(settings)
        cases = load_cases(args.cases) if args.cases else [c for c in load_cases() if in_part(c, args.part)]
        print(f"{len(cases)} cases from {args.cases or CASES.relative_to(ROOT)} ({'file' if args.cases else args.part})")
        report(score(cases, checker(settings)), args.show)
        if args.speed:
            speed(settings)


if __name__ == "__main__":
    main()
