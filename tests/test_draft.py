"""Offline drafting end to end, the prompts it would send, and the README's main command."""

import json
import os
import re
import shlex
import subprocess
import sys

import docx
import pytest

from conftest import FACTS, ROOT
from drafter.drafting import prompts
from drafter.session import Desk

SNAPSHOTS = ROOT / "tests" / "snapshots"


def readme_main_command() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    return next(line for line in readme.splitlines() if line.startswith("python3.11 -m venv .venv"))


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drafter", *args], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_readme_main_command_drafts_the_sample_corpus_offline_and_the_draft_checks_clean(tmp_path):
    command = readme_main_command()
    assert command.startswith("python3.11 -m venv .venv && .venv/bin/pip install -e '.[test]' && ")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert ".venv/bin/python -m pytest" in (ROOT / "README.md").read_text("utf-8") and ".venv/bin/python -m pytest" in ci
    steps = [shlex.split(step)[1:] for step in command.split(" && ") if step.startswith(".venv/bin/drafter")]
    assert [s[0] for s in steps] == ["ingest", "draft"]
    env = {"DRAFTER_INDEX_DIR": str(tmp_path / "index"), "DRAFTER_WORKSPACE": str(tmp_path / "ws"),
           "DRAFTER_EMBEDDING": "hash", "DRAFTER_LLM_BASE_URL": ""}
    out = tmp_path / "draft.md"
    draft_args = steps[1][:steps[1].index("-o")] + ["-o", str(out)]
    for args in (steps[0], draft_args):
        result = run(args, env)
        assert result.returncode == 0, result.stderr
    assert "离线模式" in result.stderr
    text = out.read_text("utf-8")
    checked = run(["check", str(out), "--facts", str(FACTS), "--json"], env)
    findings = json.loads(checked.stdout)
    assert checked.returncode == 0  # only the pending markers: nothing that fails a review step by default
    assert run(["check", str(out), "--facts", str(FACTS), "--fail-on", "pending"], env).returncode == 1
    assert all(set(f) >= {"kind", "text", "start", "end", "message", "suggestion"} for f in findings)
    assert all(text[f["start"]:f["end"]] == f["text"] for f in findings)
    assert [f["text"] for f in findings] == ["【待核实：2024年全社会研发投入（亿元）】", "【待核实：2024年研发经费投入强度（%）】"]
    # a usable first draft: every heading, every section written, facts stated with their derivations
    for heading in ("## 一、2024年主要工作及成效", "### （八）党建与机关自身建设", "## 二、存在的问题和不足", "## 三、2025年工作打算"):
        assert heading in text
    assert "全县高新技术企业总数达到98家，完成年度目标的103.2%" in text
    assert "技术合同成交额5.30亿元，同比增长14.7%" in text
    assert "一是印发高企培育三年行动方案，分三批开展申报辅导。" in text
    assert text.count("参考表述") >= 10 and "〔N〕" not in text and "待补充" not in text
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p and not p.startswith("#")]
    assert paragraphs[-2:] == ["示例县科学技术局", "2024年12月31日"]  # 成文日期: the period's last day unless set
    assert len(paragraphs) >= 14 and all(len(p) >= 20 for p in paragraphs[:-2])


def test_check_without_facts_reports_this_years_numbers_as_unsourced(tmp_path, sampled):
    path = tmp_path / "mine.md"
    path.write_text("# 示例县科学技术局2024年工作总结\n\n全县高新技术企业总数达到98家，上年为85家。\n", "utf-8")
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash", "DRAFTER_WORKSPACE": str(tmp_path)}
    findings = json.loads(run(["check", str(path), "--json"], env).stdout)
    assert [(f["kind"], f["text"]) for f in findings if f["kind"] != "outline"] == [("unverified_number", "98家")]


def offline_session(settings, facts=FACTS):
    return Desk(settings, offline_model=True).quick(facts=facts)


def test_events_stream_and_each_section_is_saved_when_it_finishes(sampled):
    session = offline_session(sampled)
    events = []
    report = session.generate(on_event=events.append)
    done = {e.section for e in events if e.kind == "done"}
    assert done == {p.spec.id for p in session.planned() if p.spec.kind != "heading"} == set(report.saved)
    for sid in done:
        kinds = [e.kind for e in events if e.section == sid]
        assert kinds[:2] == ["queued", "started"] and kinds[-2:] == ["done", "saved"] and "delta" in kinds
    assert all(v.origin == "offline" and v.facts_rev == 1 for v in report.saved.values())


def test_docx_output_has_title_headings_and_paragraphs(tmp_path, sampled):
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash", "DRAFTER_WORKSPACE": str(tmp_path / "ws")}
    out = tmp_path / "draft.docx"
    assert run(["draft", "--facts", str(FACTS), "--skip", "party", "-o", str(out)], env).returncode == 0
    paragraphs = [p.text for p in docx.Document(out).paragraphs]
    assert paragraphs[0] == "示例县科学技术局2024年工作总结和2025年工作打算"
    assert "（七）农业农村科技、科普与防震减灾" in paragraphs and not any("党建" in p for p in paragraphs[:-1] if p.startswith("（"))
    assert any(p.startswith("全县高新技术企业总数") or "98家" in p for p in paragraphs)


def test_prompts_show_prints_the_exact_messages(tmp_path, sampled):
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash", "DRAFTER_WORKSPACE": str(tmp_path)}
    result = run(["prompts", "show", "enterprises", "--facts", str(FACTS)], env)
    assert result.returncode == 0, result.stderr
    assert "system" in result.stdout and "human" in result.stdout
    assert "往年同类段落" in result.stdout and "〔N〕" in result.stdout
    # the main indicators' section states every figure with its comparisons; the others are told them as written
    assert "- 高新技术企业总数：本年98家\n" in result.stdout and "【总体指标部分已写的本部分指标（不再写）】" in result.stdout
    overview = run(["prompts", "show", "indicators", "--facts", str(FACTS)], env).stdout
    assert "高新技术企业总数：本年98家；上年85家；比上年增加13家；同比增长15.3%；完成年度目标的103.2%" in overview
    assert "同比增长15.3%；年度目标" not in overview  # a target is stated by its rate
    bad = run(["prompts", "show", "nosuch", "--facts", str(FACTS)], env)
    assert bad.returncode == 2 and "enterprises" in bad.stderr and "Traceback" not in bad.stderr


def test_prompt_context_stays_within_the_budget(sampled):
    small = sampled.model_copy(update={"prompt_budget_chars": 900})
    session = offline_session(small)
    section = session.section("enterprises")
    v = session.engine().variables(section, [])
    used = sum(map(len, v["facts"] + v["missing"] + v["notes"])) + sum(len(e.text) + len(e.source) for e in v["exemplars"])
    assert v["exemplars"] and used <= 900
    roomy = offline_session(sampled).engine().variables(section, [])
    assert len(roomy["exemplars"]) > len(v["exemplars"])


def test_every_template_reads_exactly_the_variables_the_chain_passes(sampled):
    session = offline_session(sampled)
    engine = session.engine()
    bodies = [{"heading": "（一）x", "text": "正文"}]
    for p in session.planned():
        if p.spec.kind != "heading":
            assert prompts.variables(sampled.prompts_dir, p.spec.prompt) == set(engine.variables(p, bodies)), p.spec.id
    assert prompts.variables(sampled.prompts_dir, "system") == {"org", "title", "self_name"}
    assert prompts.variables(sampled.prompts_dir, "repair") == {"heading", "text", "findings", "facts", "notes"}
    assert prompts.variables(sampled.prompts_dir, "refine") == {"heading", "text", "instruction", "span", "facts", "notes"}


@pytest.mark.parametrize("section", ["enterprises", "problems", "plan", "lead"])
def test_prompt_snapshot(sampled, section):
    """Prompt changes show up as a diff here; refresh with UPDATE_SNAPSHOTS=1 after reviewing them."""
    session = offline_session(sampled)
    planned = session.section(section)
    messages = session.engine().messages(planned, [{"heading": "（二）科技企业培育", "text": "正文。"}], "一是问题。")
    text = "\n\n".join(f"[{m.type}]\n{m.content}" for m in messages)
    path = SNAPSHOTS / f"prompt_{section}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text + "\n", "utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_SNAPSHOTS=1 and review the prompt it writes"
    assert text + "\n" == path.read_text("utf-8")


def test_offline_hints_are_the_bureaus_own_on_topic_clauses_or_none(sampled):
    from drafter.drafting import skeleton
    from drafter.drafting.context import Exemplar

    session = offline_session(sampled)
    table = session.table()
    own = Exemplar("a.md", "s", "标题。建立高企后备库并实行动态管理，全县科技工作取得明显成效，但对照高质量发展要求", org=table.org)
    other = Exemplar("b.md", "s", "标题。力争全市高企申报辅导实现全覆盖，瑞丰新材料成功获批", org="示范市科学技术局")
    phrases = skeleton._Phrases([other, own], table.org)
    assert phrases.hint("分三批开展高企申报辅导") == "（参考表述：建立高企后备库并实行动态管理）"
    assert phrases.hint("新建农业科技示范基地2个") == ""  # nothing on topic: no hint
    problems = skeleton._Phrases([own, Exemplar("a.md", "s", "标题。专业服务人才紧缺，企业研发投入意愿不强", org=table.org)],
                                 table.org, wanted=skeleton._PROBLEM)
    assert problems.pool == ["专业服务人才紧缺", "企业研发投入意愿不强"]  # no praise offered for a problem


def test_exemplars_are_whole_passages_in_the_sections_tense_with_full_width_punctuation(sampled):
    session = offline_session(sampled)
    engine = session.engine()
    future = re.compile(r"力争|将|推动|加快|进一步|着力|持续|深化|强化|完善|推进|建立|实施|开展|确保|计划")
    for section in session.planned():
        if section.spec.kind == "heading" or not section.spec.query:
            continue
        exemplars = engine.exemplars(section)
        assert exemplars, section.spec.id
        for e in exemplars:
            assert not re.search(r"[\u4e00-\u9fff][,;:!?(]|[,;:!?)][\u4e00-\u9fff]", e.text), (section.spec.id, e.text)
            assert len(e.text) >= 40 and re.search(r"[。；]", e.text) and "工作总结" not in e.text, e.text
            assert not re.search(r"有限公司|疫情|xx", e.text), e.text
            assert not re.match(r"(?:〔N〕|\d+)[.．、]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）", e.text), e.text
            if section.spec.prompt != "plan":  # results for the year's sections, not 力争… plans
                assert not re.match(r"力争|下一步|下半年|明年|〔N〕年.{0,6}将", e.text), e.text
            if section.spec.prompt == "plan":
                assert future.search(e.text), e.text
    lead = engine.exemplars(session.section("enterprises"))
    assert all("〔N〕" in e.text or not re.search(r"\d", e.text) for e in lead)


def test_the_opening_leads_with_the_weightiest_figures_not_table_order(sampled):
    from drafter.drafting.context import headline_facts

    session = offline_session(sampled)
    chosen = [f.indicator for f in headline_facts(session.table(), session.planned())]
    assert "高新技术企业总数" in chosen and "技术合同成交额" in chosen
    assert "新增高新技术企业" not in chosen  # fell 5.9% on last year: a matter for 存在的问题
    assert all(session.table().find(i).get("完成率") for i in chosen)  # every one a target met


def test_the_opening_is_told_how_the_years_targets_went_in_words_the_check_can_hold(sampled):
    """年度目标指标全部完成: judged by code, with no count of rows a check would have to source."""
    from drafter.drafting.context import target_tally

    session = offline_session(sampled)
    assert target_tally(session.table()) == "年度目标指标全部完成"
    session.change_facts({"科技型中小企业入库数": {"value": 170}})
    assert target_tally(session.table()) == "年度目标指标中，科技型中小企业入库数未完成年度目标，其余均完成"
    lead = next(p for p in session.planned() if p.spec.prompt == "lead")
    asked = session.engine().messages(lead, [], "")[-1].content
    assert "科技型中小企业入库数未完成年度目标" in asked
    session.change_facts({"产学研合作项目": {"target": 60}})  # last year's plan said 55: not for code to sum up
    assert target_tally(session.table()) == ""


def test_a_fall_of_a_yearly_count_is_not_a_problem_but_a_missed_target_or_a_falling_total_is():
    """新增/净增 swing from year to year (净增49 against 76 while the total rose 18%): what an office reports as a
    problem is a target missed or a total that fell."""
    from drafter.drafting.context import falls_short
    from drafter.numbers.facts import Fact, derive

    def row(name, value, prior, target=None, unit="家"):
        return Fact(name, unit, None, value, target, prior=prior, derived=derive(value, prior, target, unit))

    assert not falls_short(row("新增高新技术企业", 16, 17))  # −5.9%: the year's swing
    assert not falls_short(row("净增高新技术企业", 49, 76))  # −35.5%: the total tells
    assert falls_short(row("高新技术企业总数", 84, 85))  # a total that fell
    assert falls_short(row("新增高新技术企业", 18, 17, target=20))  # a target missed


def test_the_plan_knows_where_its_year_stands(sampled):
    """2025 is the last year of the 14th plan: the plan for it says so; the summary of 2024 is not told 2024's place
    (2024年是…关键一年 is said looking ahead, and reads as last year's plan copied)."""
    from drafter.drafting.context import year_theme

    assert year_theme(2025) == "“十四五”规划收官之年" and year_theme(1990) == ""
    session = offline_session(sampled)
    engine = session.engine()
    plan = "\n".join(m.content for m in engine.messages(session.section("plan"), [], ""))
    lead = "\n".join(m.content for m in engine.messages(session.section("lead"), [], ""))
    assert "2025年是“十四五”规划收官之年" in plan and "关键一年" not in lead


def test_the_plan_frames_next_year_as_next_year_writes_it(sampled):
    """The opening's note (…认真贯彻党的二十大和二十届二中、三中全会精神，扎实开展党纪学习教育) frames the plan for 2025 in
    2025's words: 2024's campaign is not carried into it."""
    session = offline_session(sampled)
    session.set_notes("lead", ["在县委、县政府领导下，认真贯彻党的二十大和二十届二中、三中全会精神，扎实开展党纪学习教育"])
    plan = "\n".join(m.content for m in session.engine().messages(session.section("plan"), [], ""))
    framing = re.search(r"提法照开头的写法，2025年写作“([^”]*)”", plan).group(1)
    assert framing == "在县委、县政府领导下，认真贯彻党的二十大和二十届历次全会精神"  # next year's campaign: the writer's to name
