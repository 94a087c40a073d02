"""Draft sessions: facts revisions, numbers patched in place, edits, chat refinement, history, export,
persistence across processes and a workspace of the first schema migrated."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import docx
import pytest

from chat_server import ChatServer, Hang, Text, by_prompt, last_user_text
from conftest import FACTS, ROOT
from drafter.llm import chat_model
from drafter.session import Desk, SessionError
from drafter.stores.workspace import ConflictError, Workspace

ORG = "示例县科学技术局"
ENTERPRISES = ("全县高新技术企业总数达到300家，比上年净增30家，同比增长11.1%，完成年度目标的103.4%。全年新增高新技术企业30家。"
               "一是做优申报服务。组织高企申报培训300人次。二是推进重点项目。项目总投资1300万元。")
ROWS = [{"indicator": "高新技术企业总数", "value": 300, "unit": "家", "prior": 270, "target": 290},
        {"indicator": "新增高新技术企业", "value": 30, "unit": "家"}]
NOTES = ["组织高企申报培训300人次", "项目总投资1300万元"]


def offline(settings):
    return Desk(settings, offline_model=True)


def new_draft(settings, rows=ROWS, desk=None):
    session = (desk or offline(settings)).create(ORG, 2024)
    session.set_facts(rows)
    return session


def with_model(settings, server, **overrides):
    settings = settings.model_copy(update={"llm_base_url": server.url, "llm_timeout": 5.0, "llm_max_retries": 0,
                                           **overrides})
    return Desk(settings, model=chat_model(settings))


# ---- numbers patched in place ---------------------------------------------------------------------

def test_changed_fact_patches_only_its_clause_and_derived_values_without_a_model_call(sampled):
    rules = {"请写“（二）科技企业培育”这一部分的正文": Text(ENTERPRISES)}
    with ChatServer(by_prompt(rules, Text("一是抓好重点工作落实。"))) as server:
        session = new_draft(sampled, desk=with_model(sampled, server))
        session.set_notes("enterprises", NOTES)
        report = session.generate(["enterprises"])
        assert report.results["enterprises"].text == ENTERPRISES and len(server.requests) == 1
        edited = ENTERPRISES.replace("二是推进重点项目。", "二是推进重点项目，抓好跟踪服务。")
        session.edit("enterprises", edited)
        update = session.set_fact("高新技术企业总数", value=305)
        assert len(server.requests) == 1  # no model call
    text = session.history("enterprises")[-1].text
    assert text == edited.replace("300家", "305家").replace("净增30家", "净增35家").replace("11.1%", "13.0%") \
        .replace("103.4%", "105.2%")
    assert "培训300人次" in text and "1300万元" in text and "新增高新技术企业30家" in text
    assert "抓好跟踪服务" in text  # the writer's edit survives
    assert [(c.old, c.new) for c in update.patched["enterprises"]] == [
        ("300家", "305家"), ("30家", "35家"), ("11.1%", "13.0%"), ("103.4%", "105.2%")]
    assert update.stale == {} and "1 个部分已就地更新，0 个部分需要重新生成" in update.summary()
    assert [v.origin for v in session.history("enterprises")] == ["generated", "manual", "patch"]


@pytest.mark.parametrize("rows, text, change, expected", [
    ([{"indicator": "科技企业孵化器", "value": 8, "unit": "家"}],
     "全县科技企业孵化器达到8家。2018年以来累计建成众创空间18个，组织培训8次。",
     ("科技企业孵化器", 9), "全县科技企业孵化器达到9家。2018年以来累计建成众创空间18个，组织培训8次。"),
    ([{"indicator": "争取上级资金", "value": 50, "unit": "万元"}],
     "全年争取上级资金50万元，其中省级项目150万元。",
     ("争取上级资金", 60), "全年争取上级资金60万元，其中省级项目150万元。"),
    ([{"indicator": "技术合同成交额", "value": 5.3, "unit": "亿元"}],
     "技术合同成交额5.30亿元。",
     ("技术合同成交额", 5.6), "技术合同成交额5.60亿元。"),
    ([{"indicator": "省级研发机构", "value": 20, "unit": "家"}, {"indicator": "市级研发机构", "value": 16, "unit": "家"},
      {"indicator": "研发机构总数", "unit": "家", "sum_of": "省级研发机构、市级研发机构"}],
     "全县研发机构总数达到36家，其中省级研发机构20家、市级研发机构16家。",
     ("市级研发机构", 18), "全县研发机构总数达到38家，其中省级研发机构20家、市级研发机构18家。"),
])
def test_patch_changes_the_number_of_that_fact_only(sampled, rows, text, change, expected):
    session = new_draft(sampled, rows)
    session.edit("indicators", text)
    update = session.set_fact(change[0], value=change[1])
    assert session.history("indicators")[-1].text == expected
    assert update.stale == {}


def test_a_number_standing_for_two_indicators_marks_the_section_stale(sampled):
    rows = [{"indicator": "新增高新技术企业", "value": 30, "unit": "家"},
            {"indicator": "新增科技型中小企业", "value": 30, "unit": "家"}]
    session = new_draft(sampled, rows)
    text = "全年新增高新技术企业和科技型中小企业各30家。"
    session.edit("enterprises", text)
    update = session.set_fact("新增高新技术企业", value=31)
    assert session.history("enterprises")[-1].text == text  # never guessed
    assert "30家" in update.stale["enterprises"][0] and "新增科技型中小企业" in update.stale["enterprises"][0]
    state = next(s for s in session.sections() if s.id == "enterprises")
    assert state.stale and "无法确定" in state.stale


def test_a_statement_the_writer_rewrote_marks_the_section_stale_and_generate_stale_redrafts_it(sampled):
    session = new_draft(sampled)
    session.generate(["enterprises"])
    generated = session.history("enterprises")[-1].text
    assert "全县高新技术企业总数达到300家" in generated
    session.edit("enterprises", generated.replace("全县高新技术企业总数达到300家", "全县高新技术企业数量再创新高"))
    update = session.set_fact("高新技术企业总数", value=305)
    assert any("已被改写" in r for r in update.stale["enterprises"])
    assert "再创新高" in session.history("enterprises")[-1].text
    report = session.generate(stale=True)
    assert set(report.saved) == {"enterprises"} and "305家" in session.history("enterprises")[-1].text
    assert next(s for s in session.sections() if s.id == "enterprises").stale is None


def test_an_approximate_figure_is_left_for_the_writer(sampled):
    session = new_draft(sampled)
    session.edit("enterprises", "全县高新技术企业总数达到三百余家。")
    update = session.set_fact("高新技术企业总数", value=305)
    assert session.history("enterprises")[-1].text == "全县高新技术企业总数达到三百余家。"
    assert "约数" in update.stale["enterprises"][0]


def test_a_change_of_direction_flips_the_verb(sampled):
    session = new_draft(sampled)
    session.edit("enterprises", "全县高新技术企业总数达到300家，比上年增加30家，同比增长11.1%。")
    session.set_fact("高新技术企业总数", value=260)
    assert session.history("enterprises")[-1].text == "全县高新技术企业总数达到260家，比上年减少10家，同比下降3.7%。"


def test_a_cleared_value_becomes_a_pending_marker(sampled):
    session = new_draft(sampled)
    session.edit("enterprises", "全县高新技术企业总数达到300家。")
    session.set_fact("高新技术企业总数", value="")
    assert session.history("enterprises")[-1].text == "全县高新技术企业总数达到【待核实：2024年高新技术企业总数（家）】。"


def test_a_value_that_arrives_fills_its_pending_marker_and_the_to_do_list_shrinks(sampled):
    session = new_draft(sampled, ROWS + [{"indicator": "全社会研发投入", "value": "", "unit": "亿元"}])
    session.edit("indicators", "全社会研发投入【待核实：2024年全社会研发投入（亿元）】。【待补充：重大项目进展】")
    assert [m for _, m in session.todo()] == ["【待核实：2024年全社会研发投入（亿元）】", "【待补充：重大项目进展】"]
    update = session.set_fact("全社会研发投入", value=9.1)
    assert update.patched["indicators"][0].new == "9.10亿元"
    assert session.history("indicators")[-1].text == "全社会研发投入9.10亿元。【待补充：重大项目进展】"
    assert session.todo() == [("（一）主要科技创新指标完成情况", "【待补充：重大项目进展】")]


def test_restore_brings_an_old_text_up_to_the_current_facts(sampled):
    session = new_draft(sampled)
    session.edit("enterprises", "全县高新技术企业总数达到300家。")
    session.edit("enterprises", "高新技术企业培育成效明显。")
    session.set_fact("高新技术企业总数", value=310)
    restored = session.restore("enterprises", 1)
    assert restored.text == "全县高新技术企业总数达到310家。" and restored.origin == "restore" and restored.number == 3
    assert [v.text for v in session.history("enterprises")][:2] == ["全县高新技术企业总数达到300家。", "高新技术企业培育成效明显。"]


# ---- edits, checks, history ------------------------------------------------------------------------

def test_manual_edit_turning_a_plan_into_done_is_flagged(sampled):
    session = new_draft(sampled)
    session.set_notes("rural_outreach", ["拟新建农业科技示范基地2个"])
    session.edit("rural_outreach", "拟新建农业科技示范基地2个。")
    version = session.edit("rural_outreach", "已新建农业科技示范基地2个。")
    about_numbers = [(f.kind, f.text) for f in version.findings if f.kind != "heading_promise"]  # 防震减灾 unsaid
    assert about_numbers == [("plan_as_done", "已新建农业科技示范基地2个"), ("target_as_actual", "2个")]
    assert {f.kind for f in session.edit("rural_outreach", "拟新建农业科技示范基地2个，已完成选址。").findings} == {
        "heading_promise"}


def test_an_edit_from_a_stale_version_is_refused_and_nothing_is_lost(sampled):
    session = new_draft(sampled)
    first = session.edit("talent", "第一稿。")
    other_writer = offline(sampled).open(session.id)
    other_writer.edit("talent", "另一位写作者的修改。", base=first.id)
    with pytest.raises(ConflictError, match="已被更新为第2版"):
        session.edit("talent", "我的修改。", base=first.id)
    assert [v.text for v in session.history("talent")] == ["第一稿。", "另一位写作者的修改。"]


def test_diff_is_readable_for_chinese(sampled):
    session = new_draft(sampled)
    session.edit("talent", "全年引进高层次人才30人，选派科技特派员115人。")
    session.edit("talent", "全年引进高层次人才32人，选派科技特派员115人，服务企业200家。")
    assert session.diff("talent", 1, 2) == [("equal", "全年引进高层次人才"), ("delete", "30"), ("insert", "32"),
                                           ("equal", "人，选派科技特派员115人"), ("insert", "，服务企业200家"), ("equal", "。")]
    with pytest.raises(SessionError, match="没有第 5 版"):
        session.diff("talent", 1, 5)


def test_tidy_actions_need_no_model(sampled):
    session = new_draft(sampled)
    session.edit("talent", "一是甲。（参考表述：做好服务）三是乙。二是丙。")
    assert session.tidy("talent", "renumber").text == "一是甲。（参考表述：做好服务）二是乙。三是丙。"
    assert session.tidy("talent", "strip_hints").text == "一是甲。二是乙。三是丙。"
    with pytest.raises(SessionError, match="没有需要改动"):
        session.tidy("talent", "strip_hints")


def test_offline_refine_says_what_works_without_a_model(sampled):
    session = new_draft(sampled)
    session.edit("talent", "一是甲。")
    with pytest.raises(SessionError, match="未配置模型.*套用最新数据.*原文未改动"):
        session.refine("talent", "写得更精炼")
    assert len(session.history("talent")) == 1
    assert [t["role"] for t in session.chat("talent")] == ["user", "error"]


def test_outline_review_reorders_and_switches_sections_and_numbering_follows(sampled):
    session = new_draft(sampled)
    order = [i.id for i in session.outline()]
    order.remove("talent")
    order.insert(order.index("enterprises"), "talent")
    session.set_outline(order, {"platforms": False})
    headings = [p.heading for p in session.planned() if p.spec.level == 2]
    assert headings[:3] == ["（一）主要科技创新指标完成情况", "（二）科技人才与科技特派员", "（三）科技企业培育"]
    assert not any("创新平台" in h for h in headings)
    assert next(i for i in session.outline() if i.id == "platforms").enabled is False
    with pytest.raises(SessionError, match="只包含这些章节"):
        session.set_outline(order[:-1])


def test_facts_import_from_xlsx_and_grid_validation(sampled, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["指标", "本年值", "单位", "目标"])
    book.active.append(["高新技术企业总数", 98, "家", 95])
    book.active.append(["技术合同成交额", "5.30", "亿元", None])
    book.save(tmp_path / "facts.xlsx")
    session = offline(sampled).create(ORG, 2024)
    session.import_facts(tmp_path / "facts.xlsx")
    rows = {r.indicator: r for r in session.fact_rows()}
    assert rows["高新技术企业总数"].value == 98 and ("完成率", "103.2%") in rows["高新技术企业总数"].derived
    assert rows["高新技术企业总数"].prior == 85 and "示例县科学技术局2023年工作总结" in rows["高新技术企业总数"].prior_source
    with pytest.raises(Exception, match="数据表 第1行：本年值“九十八”不是数字"):
        session.set_facts([{"indicator": "高新技术企业总数", "value": "九十八"}])
    assert session.facts_rev() == 1  # the bad grid saved nothing
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(Exception, match="bad.xlsx：不是有效的 .xlsx 文件"):
        session.import_facts(tmp_path / "bad.xlsx")


# ---- refine through the model ----------------------------------------------------------------------

def test_refine_by_instruction_span_and_quick_action_keeps_the_number_guard(sampled):
    rewritten = "全县高新技术企业总数达到300家，同比增长11.1%。"
    rules = {"只改写其中选中的一段": Text("加强科技特派员服务"), "写作者的要求】\n把数字补进去": Text(rewritten + "引进院士团队37个。"),
             "写作者的要求】\n把这一部分压缩": Text(rewritten)}
    with ChatServer(by_prompt(rules, Text("抱歉，我无法完成这个请求。"))) as server:
        session = new_draft(sampled, desk=with_model(sampled, server))
        session.edit("enterprises", "高新技术企业培育成效明显。做好服务工作。")
        v = session.refine("enterprises", "把数字补进去")
        assert v.text == rewritten + "引进院士团队【待核实：37个】。" and v.origin == "chat"
        v = session.refine("enterprises", action="缩写")
        assert v.text == rewritten
        v = session.refine("enterprises", "更具体", span="同比增长11.1%")
        assert v.text == "全县高新技术企业总数达到300家，加强科技特派员服务。"
        with pytest.raises(SessionError, match="模型没有按要求写作.*原文未改动"):
            session.refine("enterprises", "随便写写")
        # the section's earlier turns go with the next request
        last = server.requests[-1]["messages"]
        assert [m["role"] for m in last[:3]] == ["system", "user", "assistant"] and "把数字补进去" in last[1]["content"]
    assert session.history("enterprises")[-1].text == v.text
    assert [t["role"] for t in session.chat("enterprises")][-2:] == ["user", "error"]


def test_refine_with_a_hung_model_keeps_the_text(sampled):
    with ChatServer(by_prompt({}, Hang(5, Text("晚到的回答。")))) as server:
        session = new_draft(sampled, desk=with_model(sampled, server, llm_timeout=0.5))
        session.edit("talent", "原来的人才部分。")
        with pytest.raises(SessionError, match="超时"):
            session.refine("talent", "润色")
    assert [v.text for v in session.history("talent")] == ["原来的人才部分。"]


# ---- export and persistence ------------------------------------------------------------------------

def test_export_docx_md_and_facts_table_from_the_session(sampled, tmp_path):
    session = offline(sampled).quick(facts=FACTS)
    session.generate()
    path = session.export(tmp_path / "out.docx")
    texts = [p.text for p in docx.Document(path).paragraphs]
    assert texts[0] == "示例县科学技术局2024年工作总结和2025年工作打算" and "示例县科学技术局" in texts[-2:]
    assert any("98家" in t for t in texts)
    csv_text = session.export(tmp_path / "facts.csv").read_text("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("指标,单位,本年值,上年值") and "高新技术企业总数,家,98,85" in csv_text
    assert "示例县科学技术局2023年工作总结" in csv_text and "（二）科技企业培育" in csv_text


def test_first_schema_workspace_is_migrated_without_loss(tmp_path):
    path = tmp_path / "ws" / "drafts.sqlite"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE drafts (id INTEGER PRIMARY KEY, org TEXT NOT NULL, year INTEGER NOT NULL, period TEXT NOT NULL,
            outline TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT (datetime('now')), UNIQUE (org, year, period, outline));
        CREATE TABLE versions (id INTEGER PRIMARY KEY, draft_id INTEGER NOT NULL REFERENCES drafts(id), section TEXT NOT NULL,
            text TEXT NOT NULL, source TEXT NOT NULL, findings TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')));
        INSERT INTO drafts (org, year, period, outline) VALUES ('示例县科学技术局', 2024, 'annual', 'kjj_annual');
        INSERT INTO versions (draft_id, section, text, source) VALUES (1, 'talent', '旧稿人才部分。', 'model');
        INSERT INTO versions (draft_id, section, text, source) VALUES (1, 'talent', '改过的人才部分。', 'edit');
    """)
    db.commit()
    db.close()
    ws = Workspace(tmp_path / "ws")
    (draft,) = ws.drafts()
    assert (draft.name, draft.org, draft.year) == ("默认", "示例县科学技术局", 2024)
    assert [(v.text, v.origin, v.number) for v in ws.history(1, "talent")] == [
        ("旧稿人才部分。", "generated", 1), ("改过的人才部分。", "manual", 2)]
    ws.create("第二稿", "示例县科学技术局", 2024, "annual", "kjj_annual")  # no longer one draft per bureau and year
    assert len(Workspace(tmp_path / "ws").drafts()) == 2


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "drafter", *args], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_step_by_step(sampled, tmp_path):
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash", "DRAFTER_WORKSPACE": str(tmp_path / "ws")}
    created = cli("new", "--org", ORG, "--year", "2024", "--name", "初稿", env=env)
    assert created.returncode == 0 and created.stdout.strip() == "1", created.stderr
    assert cli("facts", "import", "1", str(FACTS), env=env).returncode == 0
    assert cli("generate", "1", env=env).returncode == 0
    changed = cli("facts", "set", "1", "高新技术企业总数=105", env=env)
    assert changed.returncode == 0 and "98家→105家" in changed.stdout and "已就地更新" in changed.stdout
    notes = tmp_path / "talent.txt"
    notes.write_text("全年引进高层次人才30人。", "utf-8")
    assert cli("edit", "1", "talent", str(notes), env=env).returncode == 0
    history = cli("history", "1", "talent", env=env)
    assert "离线生成" in history.stdout and "手工修改" in history.stdout
    assert cli("restore", "1", "talent", "1", env=env).returncode == 0
    out = tmp_path / "out.docx"
    assert cli("export", "1", "-o", str(out), env=env).returncode == 0 and out.exists()
    bad = cli("diff", "1", "talent", "1", "9", env=env)
    assert bad.returncode == 2 and "没有第 9 版" in bad.stderr and "Traceback" not in bad.stderr
    offline_refine = cli("refine", "1", "talent", "润色", env=env)
    assert offline_refine.returncode == 2 and "未配置模型" in offline_refine.stderr
    drafts = cli("drafts", env=env)
    assert "初稿" in drafts.stdout


def test_killed_mid_draft_keeps_every_finished_section(sampled, tmp_path):
    """A draft SIGKILLed while one section streams: the finished ones are saved, the one in flight is not."""
    slow = "（三）创新平台载体建设"

    def respond(request):
        prompt = last_user_text(request)
        return Text("新的平台部分，写得很慢。" * 40) if slow in prompt.split("\n")[0] else Text("一是新写的内容。")

    ws = tmp_path / "ws"
    session = offline(sampled.model_copy(update={"workspace": ws})).quick(facts=FACTS)
    session.edit("platforms", "旧的平台部分。")
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash", "DRAFTER_WORKSPACE": str(ws),
           "DRAFTER_LLM_MAX_RETRIES": "0", "DRAFTER_LLM_TIMEOUT": "60", "DRAFTER_LLM_CONCURRENCY": "8"}
    with ChatServer(respond, tokens_per_second=20) as server:
        proc = subprocess.Popen([sys.executable, "-m", "drafter", "generate", str(session.id), "--overwrite-edits"],
                                env={**os.environ, **env, "DRAFTER_LLM_BASE_URL": server.url}, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(Workspace(ws).latest(session.id)) < 8:
            time.sleep(0.1)  # the other body sections finish while the slow one streams
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    latest = Workspace(ws).latest(session.id)
    bodies = [p.spec.id for p in session.planned() if p.spec.kind == "body"]
    assert latest["platforms"].text == "旧的平台部分。"
    done = [b for b in bodies if b != "platforms"]
    assert all(latest[b].text == "一是新写的内容。" and latest[b].origin == "generated" for b in done)
    assert proc.returncode == -signal.SIGKILL and len(Workspace(ws).history(session.id, "platforms")) == 1


def test_an_unexpected_error_in_one_section_fails_only_that_section(sampled):
    class Flaky:
        """A retriever that breaks for one topic only."""

        def __init__(self, real):
            self.real = real

        def search(self, query, **kw):
            if kw.get("topic") == "人才":
                raise RuntimeError("index file vanished")
            return self.real.search(query, **kw)

    from drafter.stores.retrieve import Retriever

    desk = Desk(sampled, offline_model=True, retriever=Flaky(Retriever(sampled)))
    session = desk.quick(facts=FACTS)
    session.edit("talent", "上一版的人才部分。")
    report = session.generate()
    assert [r.id for r in report.failed] == ["talent"] and "内部错误（RuntimeError" in report.failed[0].error
    assert len(report.saved) == len(report.results) - 1
    assert session.history("talent")[-1].text == "上一版的人才部分。"


def test_bureau_short_names_resolve_and_an_unknown_bureau_is_said_plainly(sampled):
    desk = offline(sampled)
    session = desk.create("示例县科技局", 2024)
    assert session.info.org == ORG and any("读作“示例县科学技术局”" in w for w in desk.warnings)
    session.set_facts([{"indicator": "高新技术企业总数", "value": 98, "unit": "家"}])
    assert session.table().find("高新技术企业总数").prior == 85  # the ledger's value, found through the name
    stranger = desk.create("某某县科学技术局", 2024)
    stranger.set_facts(ROWS)
    report = " ".join(stranger.table().report)
    assert "没有“某某县科学技术局”的往年总结" in report and "示例县科学技术局" in report and "示范市科学技术局" in report


def test_ctrl_c_stops_within_seconds_and_keeps_finished_sections(sampled, tmp_path):
    ws = tmp_path / "ws"
    session = offline(sampled.model_copy(update={"workspace": ws})).quick(facts=FACTS)
    slow = "（三）创新平台载体建设"

    def respond(request):
        return Hang(60) if slow in last_user_text(request).split("\n")[0] else Text("一是新写的内容。")

    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash", "DRAFTER_WORKSPACE": str(ws),
           "DRAFTER_LLM_MAX_RETRIES": "0", "DRAFTER_LLM_TIMEOUT": "120"}
    with ChatServer(respond) as server:
        proc = subprocess.Popen([sys.executable, "-m", "drafter", "generate", str(session.id), "--overwrite-edits"],
                                env={**os.environ, **env, "DRAFTER_LLM_BASE_URL": server.url}, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(Workspace(ws).latest(session.id)) < 7:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        _, stderr = proc.communicate(timeout=10)
    assert time.monotonic() - stopped < 5 and proc.returncode == 130
    assert "已中断" in stderr and "Traceback" not in stderr
    assert len(Workspace(ws).latest(session.id)) >= 7 and "platforms" not in Workspace(ws).latest(session.id)


def test_concurrent_saves_from_many_threads_never_collide(sampled):
    from concurrent.futures import ThreadPoolExecutor

    session = new_draft(sampled)

    def save(i):
        s = offline(sampled).open(session.id)
        s.set_fact("高新技术企业总数", value=301 + i)
        s.edit("talent", f"第{i}稿。")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(16)))
    assert session.facts_rev() == 17 and len(session.history("talent")) == 16


def test_drafting_against_an_empty_or_rebuilding_index_is_refused_unless_forced(sampled, tmp_path):
    import fcntl

    empty = sampled.model_copy(update={"index_dir": tmp_path / "empty-index", "workspace": tmp_path / "ws2"})
    session = offline(empty).quick(facts=FACTS)
    with pytest.raises(SessionError, match="语料库还是空的.*上年值和同比无法取得.*--force"):
        session.generate()
    assert session.generate(force=True).saved  # a choice, said out loud
    rebuilding = new_draft(sampled, [{"indicator": "科技企业孵化器", "value": 4, "unit": "家"},
                                     {"indicator": "新型研发机构", "value": 2, "unit": "家"}])  # no prior in the ledger
    with (sampled.index_dir / "ingest.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SessionError, match="正在重建"):
            rebuilding.generate()
    assert rebuilding.generate(["talent"]).saved


def test_the_facts_table_shows_a_fall_with_its_sign(sampled):
    session = offline(sampled).quick(facts=FACTS)
    rows = {r.indicator: dict(r.derived) for r in session.fact_rows()}
    assert rows["新增高新技术企业"]["增量"] == "-1家" and rows["新增高新技术企业"]["同比增长"] == "-5.9%"
    assert rows["高新技术企业总数"]["增量"] == "13家"
