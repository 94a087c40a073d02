"""The drafting chain over HTTP: a real loopback server speaking /v1/chat/completions (SSE streaming),
reached through the real openai and langchain-openai clients."""

import os
import subprocess
import sys
import time

import pytest
from pydantic import SecretStr

from chat_server import ChatServer, Hang, Malformed, Status, Text, Trickle, by_prompt
from conftest import FACTS, ROOT
from drafter.llm import chat_model
from drafter.session import Desk

ENTERPRISES = ("全年新认定高新技术企业16家，全县高新技术企业总数达到98家，比上年增加13家，完成年度目标的103.2%。"
               "一是完善梯队培育。印发高企培育三年行动方案，分三批开展申报辅导。二是做优申报服务。组织高企申报培训3场，覆盖企业120家。")
PLAIN = "一是抓好重点工作落实。围绕年度任务逐项推进。二是强化服务保障。建立问题清单并跟踪办理。"
INVENTED = "全县高新技术企业总数达到98家，引进院士团队37个。一是完善梯队培育。印发高企培育三年行动方案。"
COPIED = ("一是强化梯队培育。实施“小升高”培育工程，对全县规上工业企业开展研发活动情况“拉网式”排查，"
          "建立包含52家企业的高企后备库。")


def body_prompt(heading: str) -> str:
    return f"请写“{heading}”这一部分的正文"


def repair_prompt(heading: str) -> str:
    return f"下面是“{heading}”部分的草稿"


def session_for(settings, server, previous=None, **overrides):
    """The sample facts' default draft, drafted against the loopback server; `previous` texts saved first."""
    settings = settings.model_copy(update={"llm_base_url": server.url, "llm_api_key": None, "llm_timeout": 5.0,
                                           "llm_max_retries": 0, **overrides})
    session = Desk(settings, model=chat_model(settings)).quick(facts=FACTS)
    for sid, text in (previous or {}).items():
        session.edit(sid, text)
    return session


def draft_with(settings, server, previous=None, on_event=None, **overrides):
    session = session_for(settings, server, previous, **overrides)
    return session.generate(on_event=on_event), session


def test_normal_draft_streams_every_section_and_checks_clean(sampled):
    rules = {body_prompt("（二）科技企业培育"): Text(ENTERPRISES)}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        events = []
        report, session = draft_with(sampled, server, on_event=events.append)
    assert not report.failed and len(report.saved) == len(report.results)
    enterprises = report.results["enterprises"]
    assert enterprises.text == ENTERPRISES and enterprises.findings == () and enterprises.origin == "generated"
    assert [(s.indicator, s.role) for s in enterprises.spans][:3] == [
        ("新增高新技术企业", "value"), ("高新技术企业总数", "value"), ("高新技术企业总数", "增量")]
    assert enterprises.passages and enterprises.prompt_hash
    deltas = "".join(e.text for e in events if e.kind == "delta" and e.section == "enterprises")
    assert deltas == ENTERPRISES and sum(e.kind == "delta" and e.section == "enterprises" for e in events) > 10
    writable = [p for p in session.planned() if p.spec.kind != "heading"]
    assert len(server.requests) == len(writable)
    assert all(r["stream"] is True and r["messages"][0]["role"] == "system" for r in server.requests)
    # synthesis sections come after every body section and are written from them
    order = [e.section for e in events if e.kind == "started"]
    assert max(order.index(p.spec.id) for p in writable if p.spec.kind == "body") < order.index("problems")
    assert order.index("problems") < order.index("plan")
    lead = next(r for r in server.requests if "开头的总述段" in r["messages"][-1]["content"])
    assert ENTERPRISES[:30] in lead["messages"][-1]["content"]
    assert session.markdown().startswith("# 示例县科学技术局2024年工作总结和2025年工作打算\n")
    saved = session.sections()
    assert all(s.version and s.version.origin == "generated" for s in saved if s.kind != "heading")


def test_invented_number_is_repaired_by_the_model(sampled):
    rules = {repair_prompt("（二）科技企业培育"): Text(ENTERPRISES), body_prompt("（二）科技企业培育"): Text(INVENTED)}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        events = []
        report, _ = draft_with(sampled, server, on_event=events.append)
    section = report.results["enterprises"]
    assert section.text == ENTERPRISES and section.replaced == ()
    repair = next(r for r in server.requests if repair_prompt("（二）科技企业培育") in r["messages"][-1]["content"])
    assert "37个" in repair["messages"][-1]["content"] and "找不到来源" in repair["messages"][-1]["content"]
    assert any(e.kind == "repair" and e.section == "enterprises" for e in events)


def test_number_the_repair_keeps_is_replaced_by_a_marker_and_listed(sampled):
    rules = {repair_prompt("（二）科技企业培育"): Text(INVENTED), body_prompt("（二）科技企业培育"): Text(INVENTED)}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        report, _ = draft_with(sampled, server)
    section = report.results["enterprises"]
    assert "引进院士团队【待核实：37个】" in section.text and "37个。" not in section.text.replace("【待核实：37个】", "")
    assert section.replaced == ("37个",)
    assert [(f.kind, f.text) for f in section.findings] == [("pending", "【待核实：37个】")]


def test_copied_old_paragraph_is_flagged(sampled):
    rules = {repair_prompt("（二）科技企业培育"): Text(COPIED), body_prompt("（二）科技企业培育"): Text(COPIED)}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        report, _ = draft_with(sampled, server)
    findings = report.results["enterprises"].findings
    copied = [f for f in findings if f.kind == "copied_text"]
    assert copied and "示例县科学技术局2023年工作总结.md" in copied[0].message
    assert "对全县规上工业企业开展研发活动情况“拉网式”排查" in copied[0].text
    assert "【待核实：52家】" in report.results["enterprises"].text  # the old count has no source this year


def test_server_error_then_success_is_retried(sampled):
    rules = {body_prompt("（五）科技人才与科技特派员"): [Status(500), Text(PLAIN)]}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        report, _ = draft_with(sampled, server, llm_max_retries=2)
    assert report.results["talent"].ok and report.results["talent"].text == PLAIN
    assert sum(body_prompt("（五）科技人才与科技特派员") in r["messages"][-1]["content"] for r in server.requests) == 2


def test_timeout_fails_one_section_keeps_its_previous_text_and_the_others_complete(sampled):
    rules = {body_prompt("（五）科技人才与科技特派员"): Hang(30, Text(PLAIN))}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        events = []  # 3 s: the other sections' answers must not time out on a busy machine
        report, session = draft_with(sampled, server, previous={"talent": "上一版的人才部分。"}, llm_timeout=3.0,
                                     on_event=events.append)
    talent = report.results["talent"]
    assert not talent.ok and "超时" in talent.error and "talent" not in report.saved
    assert any(e.kind == "failed" and e.section == "talent" for e in events)
    others = [r for r in report.results.values() if r.id != "talent"]
    assert len(others) == 10 and all(r.ok for r in others), [(r.id, r.error) for r in others if not r.ok]
    assert "上一版的人才部分。" in session.markdown()
    assert [v.origin for v in session.history("talent")] == ["manual"]


@pytest.mark.parametrize("reply, reason", [(Malformed(), "无法解析"), (Text(""), "空内容"), (Text("```\n\n```"), "空内容")])
def test_malformed_or_empty_output_fails_the_section_only(sampled, reply, reason):
    rules = {body_prompt("（三）创新平台载体建设"): reply}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        report, session = draft_with(sampled, server, previous={"platforms": "旧的平台部分。"})
    platforms = report.results["platforms"]
    assert not platforms.ok and reason in platforms.error
    assert session.history("platforms")[-1].text == "旧的平台部分。" and report.results["enterprises"].ok


def test_model_preface_fences_and_echoed_heading_are_cleaned(sampled):
    noisy = "好的，以下是该部分正文：\n```markdown\n### （二）科技企业培育\n" + ENTERPRISES + "\n```"
    with ChatServer(by_prompt({body_prompt("（二）科技企业培育"): Text(noisy)}, Text(PLAIN))) as server:
        report, _ = draft_with(sampled, server)
    assert report.results["enterprises"].text == ENTERPRISES


def test_cli_draft_against_an_endpoint_persists_versions_and_keeps_them_when_a_section_fails(sampled, tmp_path):
    env = {**os.environ, "DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash",
           "DRAFTER_WORKSPACE": str(tmp_path / "ws"), "DRAFTER_LLM_TIMEOUT": "1", "DRAFTER_LLM_MAX_RETRIES": "0",
           "DRAFTER_LLM_API_KEY": "test", "DRAFTER_LLM_CONCURRENCY": "3"}
    out = tmp_path / "draft.md"
    cmd = [sys.executable, "-m", "drafter", "draft", "--facts", str(FACTS), "-o", str(out)]
    with ChatServer(by_prompt({body_prompt("（二）科技企业培育"): Text(ENTERPRISES)}, Text(PLAIN))) as server:
        first = subprocess.run(cmd, env=env | {"DRAFTER_LLM_BASE_URL": server.url}, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert ENTERPRISES in out.read_text("utf-8")
    with ChatServer(by_prompt({"（二）科技企业培育": Text(INVENTED)}, Text(PLAIN))) as server:
        guarded = subprocess.run(cmd + ["--skip", "party"], env=env | {"DRAFTER_LLM_BASE_URL": server.url}, cwd=ROOT,
                                 capture_output=True, text=True)
    assert guarded.returncode == 0 and "【待核实】：37个" in guarded.stderr
    assert "引进院士团队【待核实：37个】" in out.read_text("utf-8")
    with ChatServer(by_prompt({body_prompt("（二）科技企业培育"): Hang(10)}, Text(PLAIN))) as server:
        second = subprocess.run(cmd, env=env | {"DRAFTER_LLM_BASE_URL": server.url}, cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 1 and "（二）科技企业培育" in second.stderr and "保留了原有文字" in second.stderr
    assert "引进院士团队【待核实：37个】" in out.read_text("utf-8")  # the failed section kept its last saved version


def test_a_server_error_echoing_the_key_never_shows_it(sampled):
    secret = "sk-live-0123456789abcdef"
    echo = Status(401 + 99, f"bad request; headers: Authorization: Bearer {secret}; api_key={secret}")
    with ChatServer(by_prompt({}, echo)) as server:
        report, _ = draft_with(sampled, server, llm_api_key=SecretStr(secret))
    errors = " ".join(r.error or "" for r in report.failed)
    assert report.failed and "500" in errors and secret not in errors and "***" in errors


@pytest.mark.parametrize("reply", [Trickle(0.2, 30), Hang(30)], ids=["keep-alive trickle", "silent server"])
def test_one_deadline_per_answer_covers_keep_alives_and_retries(sampled, reply):
    rules = {body_prompt("（五）科技人才与科技特派员"): reply}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        started = time.monotonic()
        report, _ = draft_with(sampled, server, llm_timeout=1.5, llm_max_retries=2)
        elapsed = time.monotonic() - started
    assert not report.results["talent"].ok and "超时" in report.results["talent"].error
    assert elapsed < 6  # one deadline, not 3 attempts × per-read timeouts (and never "forever")
    assert all(r.ok for r in report.results.values() if r.id != "talent")


@pytest.mark.parametrize("reply, ok, reason", [
    (Status(401, "invalid api key"), False, "DRAFTER_LLM_API_KEY"),
    (Status(404, "model not found"), False, "DRAFTER_LLM_MODEL"),
    ([Status(429, "slow down", retry_after=0.2), Text(PLAIN)], True, ""),
    ([Status(503), Status(502), Text(PLAIN)], True, ""),
    (Text("Here is the section you asked for, written in English as requested by the system."), False, "不是中文"),
    (Text("抱歉，我无法完成这个请求。"), False, "没有按要求写作"),
    (Text("一、主要工作\n\n引进人才30人。\n\n二、存在问题\n\n人才不足。"), False, "另一套提纲"),
], ids=["401", "404", "429 retry-after", "5xx then ok", "wrong language", "refusal", "different outline"])
def test_fault_matrix_one_section(sampled, reply, ok, reason):
    rules = {body_prompt("（五）科技人才与科技特派员"): reply}
    with ChatServer(by_prompt(rules, Text(PLAIN))) as server:
        report, session = draft_with(sampled, server, previous={"talent": "旧的人才部分。"}, llm_max_retries=2)
    talent = report.results["talent"]
    assert talent.ok is ok and (ok or reason in talent.error)
    assert session.history("talent")[-1].text == (PLAIN if ok else "旧的人才部分。")


def test_refused_connection_says_which_address(sampled):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    settings = sampled.model_copy(update={"llm_base_url": f"http://127.0.0.1:{port}/v1", "llm_max_retries": 0})
    report = Desk(settings, model=chat_model(settings)).quick(facts=FACTS).generate(["talent"])
    assert "连接不上模型服务" in report.results["talent"].error and str(port) in report.results["talent"].error


def test_sub_headings_a_model_writes_inside_a_section_become_its_points(sampled):
    answer = "（一）强化人才引进\n全年引进高层次人才30人。\n（二）做优特派员服务。科技特派员115人深入一线。"
    with ChatServer(by_prompt({body_prompt("（五）科技人才与科技特派员"): Text(answer)}, Text(PLAIN))) as server:
        report, session = draft_with(sampled, server, previous={"talent": "旧的人才部分。"})
    assert report.results["talent"].ok, report.results["talent"].error
    assert session.history("talent")[-1].text == ("一是强化人才引进。\n全年引进高层次人才30人。\n"
                                                  "二是做优特派员服务。科技特派员115人深入一线。")
