"""Scores against the hand-labelled seeds in ../shared/gold (skipped when absent)."""

import json
import unicodedata
from collections import Counter, defaultdict

import pytest

from drafter.ingest.document import parse_file
from tests.conftest import GOLD, SEEDS

pytestmark = pytest.mark.skipif(not GOLD.exists(), reason="../shared/gold not available")


def _rows(name):
    return [json.loads(line) for line in (GOLD / name).read_text("utf-8").splitlines() if line.strip()]


def _norm(title: str) -> str:
    return unicodedata.normalize("NFKC", title).strip().rstrip("。")


def _parse(doc: str):
    return parse_file(SEEDS / doc, max_mb=20)


def test_heading_recall_and_precision_on_seeds():
    gold = defaultdict(Counter)
    for r in _rows("sections.jsonl"):
        gold[r["doc"]][(r["level"], _norm(r["title"]))] += 1
    tp = found = expected = 0
    for doc, wanted in gold.items():
        got = Counter((s.level, _norm(s.title)) for s in _parse(doc).sections if s.level in (1, 2))
        tp += sum((got & wanted).values())
        found += sum(got.values())
        expected += sum(wanted.values())
    recall, precision = tp / expected, tp / found
    print(f"\nheadings: recall {recall:.3f} precision {precision:.3f} ({tp}/{expected} gold, {found} found)")
    assert recall >= 0.9 and precision >= 0.9


def test_figure_scores_on_seeds_001_and_002():
    gold = defaultdict(list)
    for r in _rows("figures.jsonl"):
        gold[r["doc"]].append(r)
    for doc, rows in sorted(gold.items()):
        figures = _parse(doc).figures
        want = Counter((round(r["value"], 4), r["unit"]) for r in rows)
        got = Counter((round(f.value, 4), f.unit) for f in figures)
        tp = sum((want & got).values())
        recall, precision = tp / sum(want.values()), tp / sum(got.values())
        labels = defaultdict(list)
        for r in rows:
            labels[(round(r["value"], 4), r["unit"])].append(r)
        matched = [f for f in figures if (round(f.value, 4), f.unit) in labels]
        kind_ok = sum(any(r["kind"] == f.kind for r in labels[(round(f.value, 4), f.unit)]) for f in matched)
        context_as_local = [
            f for f in matched
            if f.scope == "local" and all(r["scope"] == "context" for r in labels[(round(f.value, 4), f.unit)])
        ]
        print(f"\n{doc}: recall {recall:.3f} precision {precision:.3f} kind {kind_ok / len(matched):.3f} "
              f"context-as-local {len(context_as_local)}")
        assert recall >= 0.9 and precision >= 0.9
        assert kind_ok / len(matched) >= 0.9
        assert not context_as_local
