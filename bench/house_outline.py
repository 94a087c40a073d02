"""The outline a new draft takes from the bureau's own last summary, against that summary's headings as written.

    .venv/bin/python bench/house_outline.py

For each bureau with a past summary (the sample corpus's two 科技局, whose drafts adopt the proposal as
`drafter outline ID --adopt` does, and every bureau of the real summaries in tests/fixtures/bureaus, by its latest
year, whose new drafts take it by themselves), the enabled level-1 and level-2 headings of a
new draft (this year written back as the past year) are compared in order with the past summary's level-1 and
level-2 headings (markers and a closing 。 removed). The past plan's sub-headings are left out on both sides: the
draft writes them as the plan's titled items. Precision: the draft's headings that are the past's, in order
(longest common subsequence); recall: the past's headings the draft has.
"""

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drafter.config import Settings  # noqa: E402
from drafter.ingest.pipeline import ingest  # noqa: E402
from drafter.session import Desk  # noqa: E402
from drafter.session.inputs import past_outline  # noqa: E402

MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])\s*")
WIDTH = str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；"})
BUREAUS = ROOT / "tests/fixtures/bureaus"
CASES = [(ROOT / "corpus", "示例县科学技术局", 2024), (ROOT / "corpus", "示范市科学技术局", 2024)]


def plain(heading: str) -> str:
    return MARKER.sub("", heading.translate(WIDTH)).rstrip("。.：: ")


def lcs(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def fixtures() -> list[tuple[Path, str, int]]:
    """Each bureau of the real summaries, the year after its latest one (by the file names)."""
    latest: dict[str, int] = {}
    for path in BUREAUS.glob("*.txt"):
        if m := re.match(r"(.+?)(\d{4})年工作总结$", path.stem):
            latest[m.group(1)] = max(latest.get(m.group(1), 0), int(m.group(2)))
    return [(BUREAUS, org, year + 1) for org, year in sorted(latest.items())]


def main() -> None:
    rows, without = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, org, year in CASES + fixtures():
            settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / corpus.name / "index",
                                workspace=Path(tmp) / "ws", embedding="hash")
            if not (settings.index_dir / "catalog.sqlite").exists():
                ingest(settings)
            found = past_outline(settings, org, year, "annual")
            name, past_year, sections = found or ("", 0, [])
            past = [plain(s.heading) for s in sections if s.level in (1, 2) and s.title
                    and not (s.part == "plan" and s.level == 2) and not re.match(r"[一二三四五六七八九十]+是", plain(s.heading))]
            if not past:
                without.append(org)  # no bureau's name read from it, or a stored opening with no headings
                continue
            session = Desk(settings, offline_model=True).create(org, year)
            if session.spec.bureau:  # an outline written for this kind of bureau: the writer adopts the proposal
                session.adopt_outline()
            back = {str(year): str(past_year), str(year + 1): str(past_year + 1)}
            drafted = [re.sub(r"\d{4}", lambda m: back.get(m.group(0), m.group(0)), plain(p.heading))
                       for p in session.planned() if p.spec.level in (1, 2)]
            common = lcs(drafted, past)
            rows.append((org, name, len(past), len(drafted), common / len(drafted) if drafted else 0.0, common / len(past)))
    print("| bureau | past summary | past headings | draft headings | precision | recall |")
    print("|---|---|---|---|---|---|")
    for org, name, n_past, n_draft, p, r in rows:
        print(f"| {org} | {name} | {n_past} | {n_draft} | {p:.2f} | {r:.2f} |")
    print(f"| **all** | | {sum(r[2] for r in rows)} | {sum(r[3] for r in rows)} | "
          f"{sum(r[4] * r[3] for r in rows) / sum(r[3] for r in rows):.2f} | "
          f"{sum(r[5] * r[2] for r in rows) / sum(r[2] for r in rows):.2f} |")
    if without:
        print(f"\nLeft out (no bureau name read, or no headings in the stored copy): {'、'.join(without)}")


if __name__ == "__main__":
    main()
