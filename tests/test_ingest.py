"""Ingest into the catalog: idempotent, replaces changed files, prunes, reports bad files and goes on."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from drafter.config import Settings
from drafter.errors import DrafterError
from drafter.ingest.document import parse_file
from drafter.ingest.pipeline import ingest
from drafter.stores.ledger import Ledger
from tests.conftest import CORPUS, ROOT, write

GOOD = ("示例县科学技术局2023年工作总结\n2023年,我局围绕中心工作,推动科技创新。\n一、2023年主要工作\n"
        "(一)企业培育。全年新增高新技术企业17家,总数达85家。\n二、2024年工作打算\n力争高企总数达到95家。\n")


def _bad_corpus(root):
    write(root / "good.txt", GOOD)
    write(root / "gbk.txt", GOOD.replace("2023", "2022").replace("85", "72"), encoding="gbk")
    write(root / "utf16.txt", GOOD.replace("2023", "2021").replace("85", "60"), encoding="utf-16")
    write(root / "noheadings.txt", "示例县科学技术局2020年工作总结\n今年以来,我局围绕中心工作,全年新增高新技术企业9家,总数达52家。")
    write(root / "empty.txt", "")
    (root / "junk.txt").write_bytes(os.urandom(4000))
    (root / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    write(root / "table.xlsx", "x")
    with (root / "huge.txt").open("wb") as f:
        f.truncate(50 * 1024 * 1024)


def test_bad_files_are_reported_by_name_and_the_rest_is_ingested(settings, tmp_path):
    corpus = tmp_path / "corpus"
    _bad_corpus(corpus)
    report = ingest(settings, [corpus])
    reasons = {os.path.basename(p): r for p, r in report.skipped}
    assert set(reasons) == {"empty.txt", "junk.txt", "broken.docx", "broken.pdf", "table.xlsx", "huge.txt"}
    assert "空的" in reasons["empty.txt"] and "不是文本文件" in reasons["junk.txt"]
    assert "MB 的上限" in reasons["huge.txt"] and "不支持的文件类型" in reasons["table.xlsx"]
    assert len(report.added) == 4
    assert any("没有识别出标题" in w for _, w in report.warnings)
    ledger = Ledger(settings.catalog_path)
    years = sorted(d["year"] for d in ledger.documents())
    totals = {r["year"]: r["value"] for r in ledger.figures(indicator="高新技术企业总数") if r["kind"] == "actual"}
    ledger.close()
    assert years == [2020, 2021, 2022, 2023]
    assert totals == {2020: 52, 2021: 60, 2022: 72, 2023: 85}


def test_reingest_is_idempotent_and_replaces_changed_files(settings, tmp_path):
    corpus = tmp_path / "corpus"
    path = write(corpus / "a.txt", GOOD)
    first = ingest(settings, [corpus])
    again = ingest(settings, [corpus])
    assert (len(first.added), len(again.unchanged), again.figures) == (1, 1, 0)
    write(path, GOOD.replace("总数达85家", "总数达86家"))
    changed = ingest(settings, [corpus])
    assert len(changed.updated) == 1
    ledger = Ledger(settings.catalog_path)
    values = [r["value"] for r in ledger.figures(indicator="高新技术企业总数") if r["kind"] == "actual"]
    ledger.close()
    assert values == [86]


def test_sidecar_overrides_metadata_and_counts_as_a_change(settings, tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", GOOD)
    ingest(settings, [corpus])
    write(corpus / "a.txt.meta.yaml", "org: 某某县科学技术局\nyear: 2023\nperiod: annual\n")
    report = ingest(settings, [corpus])
    assert len(report.updated) == 1
    ledger = Ledger(settings.catalog_path)
    assert ledger.documents()[0]["org"] == "某某县科学技术局"
    ledger.close()


def test_unknown_metadata_stays_unknown_with_a_warning(tmp_path):
    doc = parse_file(write(tmp_path / "x.txt", "科技局上半年工作总结\n今年以来,县科技局围绕中心工作,新增高企12家。"), max_mb=1)
    assert (doc.meta.org, doc.meta.year, doc.meta.period) == (None, None, "H1")
    assert any(w.startswith("看不出单位") for w in doc.warnings)


def test_duplicate_content_under_another_name_is_skipped(settings, tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", GOOD)
    write(corpus / "copy.txt", GOOD)
    report = ingest(settings, [corpus])
    assert len(report.added) == 1 and "与 a.txt 内容相同" in report.skipped[0][1]


def test_prune_forgets_removed_files(settings, tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", GOOD)
    b = write(corpus / "b.txt", GOOD.replace("2023", "2022"))
    ingest(settings, [corpus])
    b.unlink()
    report = ingest(settings, [corpus], prune=True)
    assert [os.path.basename(p) for p in report.pruned] == ["b.txt"]


def test_corrupt_catalog_gives_a_clear_message_and_rebuild_recovers(settings, tmp_path):
    settings.catalog_path.parent.mkdir(parents=True)
    settings.catalog_path.write_bytes(b"this is not sqlite" * 100)
    env = {**os.environ, "DRAFTER_INDEX_DIR": str(settings.index_dir), "DRAFTER_CORPUS_DIR": str(CORPUS),
           "DRAFTER_EMBEDDING": "hash"}
    broken = _run(["ingest"], env)
    assert broken.returncode != 0 and "drafter ingest --rebuild" in broken.stderr and "Traceback" not in broken.stderr
    fixed = _run(["ingest", "--rebuild"], env)
    assert fixed.returncode == 0, fixed.stderr


def _run(args, env, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "drafter", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120)


def test_cli_ingests_the_sample_corpus_and_lists_the_ledger(tmp_path):
    env = {**os.environ, "DRAFTER_INDEX_DIR": str(tmp_path / "index"), "COLUMNS": "200", "DRAFTER_EMBEDDING": "hash"}
    result = _run(["ingest"], env)
    assert result.returncode == 0, result.stderr
    assert "新增 6" in result.stdout and "跳过" in result.stdout
    rows = json.loads(_run(["figures", "--org", "示例县", "--year", "2023", "--indicator", "高新技术企业总数", "--json"], env).stdout)
    assert {(r["value"], r["kind"]) for r in rows} >= {(85, "actual"), (95, "target")}
    assert all(r["org"] == "示例县科学技术局" and r["sentence"] for r in rows)


def test_cli_exits_nonzero_without_traceback_when_nothing_is_usable(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "empty.txt", "")
    env = {**os.environ, "DRAFTER_INDEX_DIR": str(tmp_path / "index")}
    result = _run(["ingest", str(corpus)], env)
    assert result.returncode == 1
    assert "empty.txt" in result.stderr and "没有可收录的文件" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_inspect_json_contract(tmp_path):
    document = docx.Document()
    for line in GOOD.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "a.docx"
    path.write_bytes(buffer.getvalue())
    result = _run(["inspect", str(path), "--json"], dict(os.environ))
    assert result.returncode == 0, result.stderr
    [doc] = json.loads(result.stdout)
    assert set(doc) == {"path", "meta", "sections", "figures", "warnings"}
    assert doc["meta"] == {"org": "示例县科学技术局", "year": 2023, "period": "annual", "title": "示例县科学技术局2023年工作总结"}
    assert [s["heading"] for s in doc["sections"]] == ["一、2023年主要工作", "(一)企业培育。", "二、2024年工作打算"]
    assert set(doc["figures"][0]) == {"indicator", "value", "value_high", "unit", "period", "kind", "scope",
                                      "qualifier", "sentence", "suspect"}


def test_sample_corpus_figures_are_consistent_across_years(settings):
    ingest(settings)
    ledger = Ledger(settings.catalog_path)
    rows = ledger.figures(org="示例县", indicator="高新技术企业总数")
    ledger.close()
    totals = {r["year"]: r["value"] for r in rows if r["kind"] == "actual" and r["doc_period"] == "annual"}
    assert totals == {2021: 60, 2022: 72, 2023: 85}


def test_rebuild_keeps_files_ingested_from_other_folders_and_says_which_are_gone(tmp_path):
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding="hash")
    other = tmp_path / "other"
    write(other / "a.txt", GOOD)
    write(other / "b.txt", GOOD.replace("2023", "2022"))
    ingest(settings, [other], overrides={"org": "某县科学技术局"})
    ingest(settings)
    (other / "b.txt").unlink()
    (settings.index_dir / "lexical.npz").write_bytes(b"damaged")
    (settings.index_dir / "README.md").write_text("本目录是检索索引。", "utf-8")  # not the index's own: kept
    report = ingest(settings, rebuild=True)
    assert (settings.index_dir / "README.md").read_text("utf-8") == "本目录是检索索引。"
    from drafter.stores.ledger import Ledger

    ledger = Ledger(settings.catalog_path)
    docs = {Path(d["path"]).name: d for d in ledger.documents()}
    ledger.close()
    assert "a.txt" in docs and docs["a.txt"]["org"] == "某县科学技术局" and len(docs) == 7
    assert any(p.endswith("b.txt") and "找不到" in reason for p, reason in report.skipped)


def test_a_second_ingest_on_the_same_index_is_refused_with_a_message(tmp_path):
    import fcntl

    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding="hash")
    settings.index_dir.mkdir(parents=True)
    with (settings.index_dir / "ingest.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another ingest holds the index
        with pytest.raises(DrafterError, match="另一个 drafter ingest 正在更新"):
            ingest(settings)
    assert ingest(settings).added  # free again


def test_rebuild_happens_aside_and_readers_keep_the_old_index_meanwhile(tmp_path):
    from drafter.stores.retrieve import Retriever

    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding="hash")
    ingest(settings)
    seen = []

    def on_file(path, i, total):
        if i == 0:  # mid-rebuild: the old index still answers
            seen.append(len(Retriever(settings).search("科技金融 科技贷", k=3)))

    report = ingest(settings, rebuild=True, on_file=on_file)
    assert seen == [3] and len(report.added) == 6
    assert Retriever(settings).search("科技金融 科技贷", k=3)
    assert not (tmp_path / "index.rebuilding").exists() and not (tmp_path / "index.old").exists()
