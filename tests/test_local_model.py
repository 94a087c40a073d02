"""Small local models as a first-class path, against the loopback server: headings inside a section's answer,
a slow server that answers one request at a time, the profiles' budgets and figures written by code."""

import re
import threading
import time

from test_draft_llm import PLAIN, body_prompt

from chat_server import ChatServer, Cut, Text, by_prompt, last_user_text, scripted
from conftest import FACTS
from drafter.config import Settings
from drafter.drafting.frames import TOKEN, fill, frame, without_clause
from drafter.llm import Gate, chat_model
from drafter.session import Desk, Progress


def desk_for(settings, server, **overrides) -> Desk:
    settings = settings.model_copy(update={"llm_base_url": server.url, "llm_timeout": 10.0, "llm_max_retries": 0,
                                           **overrides})
    return Desk(settings, model=chat_model(settings))


# ---- headings a model writes inside a body section ------------------------------------------------------

def test_sub_headings_in_a_body_answer_become_its_points(sampled):
    answer = ("（一）强化梯队培育\n实施高企培育三年行动，分三批开展申报辅导。\n\n"
              "（二）做优申报服务\n组织高企申报培训，覆盖重点企业。")
    with ChatServer(by_prompt({body_prompt("（二）科技企业培育"): Text(answer)}, Text(PLAIN))) as server:
        session = desk_for(sampled, server).quick(facts=FACTS)
        result = session.generate(["enterprises"]).results["enterprises"]
    assert result.ok, result.error
    assert result.text.startswith("一是强化梯队培育。") and "二是做优申报服务。" in result.text
    assert "（一）" not in result.text and "（二）" not in result.text


def test_a_whole_outline_in_a_section_gets_one_more_try_naming_it(sampled):
    outline = "一、主要工作\n\n（一）企业培育\n引进人才。\n\n（二）平台建设\n建设平台。\n\n二、存在问题\n\n人才不足。"
    heading = body_prompt("（二）科技企业培育")
    with ChatServer(by_prompt({heading: [Text(outline), Text(PLAIN)]}, Text(PLAIN))) as server:
        session = desk_for(sampled, server).quick(facts=FACTS)
        result = session.generate(["enterprises"]).results["enterprises"]
        asked = [last_user_text(r) for r in server.requests if heading in last_user_text(r)]
    assert result.ok and result.text == PLAIN and result.usage.repairs == 1
    assert len(asked) == 2 and "【注意】" in asked[1] and "另一套提纲" in asked[1]


def test_a_looping_answer_is_tried_once_more_with_its_length_named(sampled):
    heading = body_prompt("（二）科技企业培育")
    with ChatServer(by_prompt({heading: [Cut("一是" * 50, "length"), Text(PLAIN)]}, Text(PLAIN))) as server:
        session = desk_for(sampled, server).quick(facts=FACTS)
        result = session.generate(["enterprises"]).results["enterprises"]
        asked = [r for r in server.requests if heading in last_user_text(r)]
    assert result.ok and result.text == PLAIN
    assert "写完即止" in last_user_text(asked[1]) and all(0 < r["max_tokens"] <= 8000 for r in asked)


# ---- a slow server with one slot ------------------------------------------------------------------------

def test_a_single_slot_server_is_detected_and_not_flooded(sampled):
    with ChatServer(scripted(Text(PLAIN)), tokens_per_second=20, slots=1) as server:  # about 1 s an answer
        session = desk_for(sampled, server, llm_concurrency=4).quick(facts=FACTS)
        events = []
        report = session.generate(on_event=events.append)
        queued = list(server.queued)
    assert not report.failed
    assert any("一次只处理 1 个请求" in w and "DRAFTER_LLM_CONCURRENCY" in w for w in report.warnings)
    # four sent at once at first; once seen queuing, one at a time: 存在问题, the opening and the plan found no line
    assert max(queued[:4]) >= 2 and max(queued[-3:]) == 0, queued
    # what the faces show while it runs: the prompt's size when sent, then time to first token and speed
    asked = [e for e in events if e.kind == "asked"]
    assert asked and all(e.usage.prompt_chars > 500 and e.usage.prompt_tokens > 100 for e in asked)
    done = [e for e in events if e.kind == "done"]
    assert all(e.usage.first_token is not None and e.usage.tokens_per_second for e in done)
    progress = Progress({})
    for e in events:
        progress.apply(e)
    assert progress.summary().startswith(f"已完成 {len(done)}/{len(done)}")


def test_the_gate_lowers_only_for_a_server_seen_queuing():
    """A server answering all calls at once is never throttled, however slow its answers."""
    gate = Gate(4)

    def call(first_after: float, length: float):
        with gate.slot() as c:
            time.sleep(first_after)
            gate.first_token(c)
            time.sleep(length)

    threads = [threading.Thread(target=call, args=(1.1, 0.3)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gate.limit == 4 and not gate.lowered_from


def test_progress_estimates_what_is_left_from_the_sections_finished():
    from drafter.models import Event

    now = [0.0]
    progress = Progress({"a": "（一）甲", "b": "（二）乙", "c": "（三）丙"}, clock=lambda: now[0])
    for sid in "abc":
        progress.apply(Event("queued", sid))
    progress.apply(Event("started", "a"))
    assert progress.estimate() is None and "等待模型作答" in progress.waiting()[0]
    now[0] = 60
    line = progress.apply(Event("done", "a", "正文"))
    assert line.startswith("（一）甲") and "已完成 1/3" in line and "预计还需约 2 分钟" in line
    progress.apply(Event("started", "b"))
    now[0] = 90
    progress.apply(Event("delta", "b", "一是"))
    assert progress.waiting() == ["（二）乙：已写 2 字，用时 30 秒"]
    assert progress.estimate() == 30 + 60
    for sid in "bc":
        progress.apply(Event("started", sid))
        progress.apply(Event("done", sid, "正文"))
    assert progress.summary() == "已完成 3/3 · 用时 1分30秒"  # nothing left: no estimate


# ---- profiles --------------------------------------------------------------------------------------------

def test_a_profile_sets_the_defaults_and_an_explicit_setting_wins(monkeypatch):
    small = Settings(llm_profile="local-small")
    assert (small.prompt_budget_chars, small.exemplars_per_section, small.llm_concurrency, small.llm_numbers) == \
        (1500, 1, 1, "code")
    monkeypatch.setenv("DRAFTER_LLM_PROFILE", "local")
    monkeypatch.setenv("DRAFTER_LLM_CONCURRENCY", "3")
    local = Settings()
    assert local.llm_concurrency == 3 and local.prompt_budget_chars == 3500 and local.llm_timeout == 600
    assert Settings().llm_profile == "local" and Settings(llm_profile="cloud").prompt_budget_chars == 6000


def _echo_frame(request) -> Text:
    """A small model that rewrites the frame it is given, adds a figure of its own, copies the prompt's marks (the
    past summaries' 〔N〕 and a rule's gloss) and keeps every token."""
    prompt = last_user_text(request)
    body = prompt.split("【底稿】", 1)[1].split("\n", 1)[1].split("【改写要求】")[0].strip()
    return Text(body.replace("。", "，工作取得新进展，同比增长37.5%。", 1)
                + "其中高新技术企业（不简称“高企”）签订合同〔N]万元，服务持续优化。"
                + "加强与高校、科研机构的交流合作。加强与高校、科研机构的交流合作。")


class EchoFrame:
    def __call__(self, request):
        return _echo_frame(request) if "【底稿】" in last_user_text(request) else Text(PLAIN)


def test_local_small_writes_the_figures_by_code_within_its_budget(sampled):
    with ChatServer(EchoFrame()) as server:
        settings = Settings(**{**sampled.model_dump(exclude={"llm_profile"}, exclude_unset=True),
                               "llm_profile": "local-small", "llm_base_url": server.url, "llm_max_retries": 0})
        session = Desk(settings, model=chat_model(settings)).quick(facts=FACTS)
        report = session.generate()
        prompts = [sum(len(m["content"]) for m in r["messages"]) for r in server.requests]
    assert not report.failed
    system = len(session.messages("enterprises")[0].content)
    assert max(prompts) <= system + 1500 + 900  # the profile's budget of context, plus the frame and its rules
    text = report.results["enterprises"].text
    assert "98家" in text and "103.2%" in text and "37.5%" not in text and not TOKEN.search(text)
    assert "〔N" not in text and "不简称" not in text and "服务持续优化" in text  # the marks' clauses go, the rest stays
    assert text.count("加强与高校、科研机构的交流合作") == 1  # and a clause said twice is said once
    assert report.results["enterprises"].dropped == ("37.5",)
    assert any("连同所在分句已删去" in w for w in report.warnings)
    markers = sum(r.text.count("【待核实") for r in report.results.values())
    pending = sum(1 for f in session.table().facts if f.value is None)
    assert markers <= pending  # only the facts file's empty rows, never a figure the model made up


def test_a_model_seen_inventing_figures_has_the_rest_written_by_code(sampled):
    invented = "全县新增省级孵化器5家，引进院士团队37个，建成实验室12个。一是抓好重点工作落实。"

    def answer(request):
        prompt = last_user_text(request)
        if "【底稿】" in prompt:
            return _echo_frame(request)
        return Text(invented)

    with ChatServer(answer) as server:
        session = desk_for(sampled, server, llm_concurrency=1).quick(facts=FACTS)
        report = session.generate()
        framed = ["【底稿】" in last_user_text(r) for r in server.requests]
    assert not framed[0] and any(framed)
    assert any("改由程序写数字" in w for w in report.warnings)


# ---- the frame itself -------------------------------------------------------------------------------------

def test_frame_tokens_round_trip_and_a_clause_goes_whole():
    framed, values = frame("全年新认定高新技术企业16家；总数达到98家，完成年度目标的103.2%，【待补充：技术合同成交额】。")
    assert framed == "全年新认定高新技术企业[1]；总数达到[2]，完成年度目标的[3]，[4]。"  # units in the tokens
    text, lost = fill("新认定[1]，总数[2]家。[4]", values)  # a unit said again after a token is dropped
    assert text == "新认定16家，总数98家。【待补充：技术合同成交额】" and lost == ["103.2%"]
    sentence = "一是走访企业，服务120家，成效明显。二是加强合作。"
    start = sentence.index("120")
    assert without_clause(sentence, start, start + 3) == "一是走访企业，成效明显。二是加强合作。"
    assert re.fullmatch(r"二是加强合作。", without_clause("走访企业120家。二是加强合作。", 4, 7))
