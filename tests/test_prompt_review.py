"""The reviewed answers of tests/prompt_review replayed end to end: the draft they make, and whether the
prompts they answered are still the prompts drafter renders (see bench/prompt_review.md)."""

import shutil
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench.prompt_review import Scenario, comparable, replay  # noqa: E402

SAMPLE = ROOT / "tests" / "prompt_review" / "sample"


def test_the_reviewed_answers_make_a_draft_without_repairs_or_stray_placeholders(sample_index, tmp_path):
    sc = Scenario(SAMPLE, "hash", work=tmp_path / "work")
    shutil.copytree(sample_index.index_dir, sc.work / "index-hash")  # the sample corpus, already ingested
    report = replay(sc, out=tmp_path)
    rows = {r["id"]: r for r in report["rows"]}
    assert all(r["saved"] for r in rows.values()), rows
    assert report["requests"] == len(rows)  # one call per section: no repair round
    for r in rows.values():
        assert r["beyond_missing"] <= 1, r  # the floor: one placeholder beyond the two empty indicators
        assert set(r["findings"]) <= {"pending"}, r  # no number, copy or claim finding
    assert rows["indicators"]["placeholders"] >= 1  # the empty indicators are marked, not invented

    session = sc.session()
    for sid in rows:
        shown = "".join(f"===== {m.type} · {len(m.content)} chars =====\n{m.content}\n" for m in session.messages(sid))
        reviewed = (SAMPLE / "prompts" / f"{sid}.txt").read_text(encoding="utf-8")
        assert comparable(shown) == comparable(reviewed), (
            f"the prompt of {sid} changed since its answer was reviewed: run bench/prompt_review.py step and "
            "replay on tests/prompt_review/sample with new answers (bench/prompt_review.md)")
