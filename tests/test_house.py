"""The house outline: proposed from the bureau's own most recent summary of the same period, adopted after review,
headings renamed; kept with the draft in the workspace."""

import subprocess
import sys

import pytest

from conftest import ROOT
from drafter.session import Desk, SessionError

COUNTY, CITY = "示例县科学技术局", "示范市科学技术局"


def test_the_proposal_follows_the_bureaus_last_summary_section_by_section(sampled):
    source, proposals = Desk(sampled, offline_model=True).create(COUNTY, 2024).proposed_outline()
    assert source == "示例县科学技术局2023年工作总结.md"
    mapped = {p.section: p for p in proposals}
    assert [p.section for p in proposals] == ["review", "indicators", "enterprises", "platforms", "cooperation",
                                              "talent", "finance_ip", "rural_outreach", "party", "problems", "plan"]
    assert mapped["enterprises"].heading == "聚焦企业培育，创新主体持续壮大" and mapped["enterprises"].evaluative
    assert mapped["review"].heading == "{year}年主要工作及成效" and mapped["plan"].heading == "{next_year}年工作打算"
    # another bureau's own wording, matched by what it speaks of (企业主体地位更加凸显 → 科技企业培育)
    city = {p.section: p.heading for p in Desk(sampled, offline_model=True).create(CITY, 2024).proposed_outline()[1]}
    assert city["enterprises"] == "企业主体地位更加凸显" and city["talent"] == "人才引育和科技特派员工作持续深化"


def test_adopting_it_renames_reorders_and_survives_reopening(sampled):
    desk = Desk(sampled, offline_model=True)
    session = desk.create(COUNTY, 2024)
    session.adopt_outline({"enterprises": "聚焦企业培育，创新主体量质齐升"})
    headings = {p.spec.id: p.heading for p in desk.open(session.id).planned()}
    assert headings["review"] == "一、2024年主要工作及成效" and headings["plan"] == "三、2025年工作打算"
    assert headings["enterprises"] == "（二）聚焦企业培育，创新主体量质齐升"  # the writer's heading wins
    assert headings["platforms"] == "（三）聚力平台建设，创新载体能级提升"
    outline_file = sampled.workspace / "outlines" / f"draft-{session.id}.yaml"
    assert outline_file.exists() and "base: kjj_annual" in outline_file.read_text("utf-8")
    # the plan as the bureau writes it: titled items in the pattern of its last plan's (推动创新主体量质齐升 …)
    plan = desk.open(session.id).messages("plan")[-1].content
    assert "分6项写" in plan and "推动创新主体量质齐升" in plan and "一是、二是" not in plan
    assert "篇幅约639字" in plan  # as long as its last plan (the shipped outline asks 520), its signature left out
    assert "items_apart: true" in outline_file.read_text("utf-8")  # its items were headings of their own
    session.rename_sections({"party": "坚持党建引领，机关效能持续提升"})
    reopened = desk.open(session.id)
    assert {p.spec.id: p.heading for p in reopened.planned()}["party"] == "（八）坚持党建引领，机关效能持续提升"
    with pytest.raises(SessionError, match="nosuch"):
        reopened.rename_sections({"nosuch": "标题"})
    with pytest.raises(SessionError, match="一行"):
        reopened.rename_sections({"party": "两行\n标题"})


def test_a_bureau_without_past_summaries_is_told_what_to_do(sampled):
    session = Desk(sampled, offline_model=True).create("某某县科学技术局", 2024)
    with pytest.raises(SessionError, match="drafter ingest"):
        session.proposed_outline()
    session.rename_sections({"enterprises": "企业培育"})  # renaming needs no past summary
    assert {p.spec.id: p.heading for p in session.planned()}["enterprises"] == "（二）企业培育"


def test_the_cli_shows_the_proposal_and_adopts_it(sampled, tmp_path):
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_WORKSPACE": str(sampled.workspace),
           "DRAFTER_EMBEDDING": "hash", "DRAFTER_CONFIG": str(tmp_path / "none.toml"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    draft = Desk(sampled, offline_model=True).create(COUNTY, 2024)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "drafter", "outline", str(draft.id), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    shown = run("--from-past")
    assert shown.returncode == 0 and "聚焦企业培育，创新主体持续壮大  →  enterprises" in shown.stdout
    assert "评价式标题" in shown.stdout
    adopted = run("--adopt", "--heading", "enterprises=聚焦企业培育，创新主体量质齐升")
    assert adopted.returncode == 0 and "（二）聚焦企业培育，创新主体量质齐升" in adopted.stdout
    wrong = run("--heading", "enterprises")
    assert wrong.returncode != 0 and "章节id=新标题" in wrong.stderr


def test_the_one_shot_draft_keeps_the_outline_its_writer_adopted(sampled):
    """`drafter draft` after `drafter outline ID --adopt` writes under the bureau's outline, not a fresh default."""
    from conftest import FACTS

    desk = Desk(sampled, offline_model=True)
    first = desk.quick(facts=FACTS)
    first.adopt_outline()
    again = Desk(sampled, offline_model=True).quick(facts=FACTS)
    assert again.id == first.id and "聚焦企业培育" in {p.spec.id: p.heading for p in again.planned()}["enterprises"]
    assert Desk(sampled, offline_model=True).quick(facts=FACTS, outline="kjj_annual").id != first.id  # named: its own


def test_the_opening_keeps_the_bureaus_framing_line_for_the_writer_to_confirm(sampled):
    """The guiding-thought line of last year's opening becomes the opening's note (shown, not re-dated, without last
    year's campaign); a note the writer already wrote is left alone."""
    desk = Desk(sampled, offline_model=True)
    session = desk.create(COUNTY, 2024)
    session.adopt_outline()
    # 2023's campaign (深入开展主题教育) and theme (…年度主题) are that year's: left out of 2024's line, 2024's campaign
    # in the campaign's place, the Party's line as 2024 writes it, and the writer is told
    formula = "在县委、县政府领导下，认真贯彻党的二十大和二十届二中、三中全会精神，扎实开展党纪学习教育"
    assert session.notes()["lead"] == (formula,)
    assert any("通用提法" in n and formula in n and "深入开展主题教育" in n and "年度主题" in n
               and "换成了今年的“认真贯彻党的二十大和二十届二中、三中全会精神，扎实开展党纪学习教育”" in n
               and "工作打算的总体提法按2025年写作“认真贯彻党的二十大和二十届历次全会精神”" in n  # next year's too,
               and "专项学习教育（如“扎实开展深入贯彻中央八项规定精神学习教育”）确定后，写进工作打算的笔记" in n  # its campaign asked
               for n in session.notices)
    session.generate(["lead"])
    assert session.sections()[0].version.text.startswith(f"2024年，示例县科学技术局{formula}。")
    assert not [f for _, f in session.check() if f.kind == "copied_text"]  # the bureau's own line, not copied text
    said = "2024年，县科学技术局" + formula + "，抓企业培育、平台建设。"  # as a model words it around the note
    assert not [f for f in session.check_text(said, "lead") if f.kind == "copied_text"]
    other = desk.create(CITY, 2024, name="自己写了开头")
    other.set_notes("lead", ["全市科技系统坚持创新驱动"])
    other.adopt_outline()
    assert other.notes()["lead"] == ("全市科技系统坚持创新驱动",)


def _section(level: int, heading: str, body: str = ""):
    from drafter.models import Section

    return Section(level=level, marker="", title=heading, heading=heading, body=body, start=0, end=0,
                   part="plan" if "打算" in heading else "review")


def test_a_loose_match_needs_a_word_of_the_shipped_heading_and_items_become_points():
    """Under a 科技局 outline, a heading left over after the close matches pairs with a shipped section only through
    a word of that section's own heading (企业主体地位更加凸显 → 科技企业培育), never through its query alone
    (稳步推进创新型县（市）建设工作 is no 党建 section); a past section's 1. 2. 3. items are its points."""
    from drafter.drafting.house import propose
    from drafter.drafting.outlines import load_outline

    spec = load_outline("kjj_annual", ROOT / "prompts")
    past = [_section(1, "一、2019年主要工作及成效"), _section(2, "（一）企业主体地位更加凸显", "全年新增…"),
            _section(2, "（二）稳步推进创新型县（市）建设工作"), _section(3, "1.加强组织领导。", "成立领导组。"),
            _section(3, "2.落实工作责任。", "签订责任书。"), _section(3, "3.推动全面创新。", "以创新驱动。"),
            _section(1, "二、2020年工作打算")]
    got = {p.past: p for p in propose(spec, past, 2019)}
    assert got["企业主体地位更加凸显"].section == "enterprises"
    own = got["稳步推进创新型县（市）建设工作"]
    assert own.own and own.section != "party" and own.points == 3
    # its 1. 2. 3. sub-headings are the items this year's section is written in, in their pattern
    assert own.items == ("加强组织领导", "落实工作责任", "推动全面创新")
    from drafter.drafting.house import overlay

    assert overlay(spec, list(got.values()), "2019.txt")["sections"][own.section]["items"] == list(own.items)


def test_notes_of_a_part_the_outline_has_off_switch_it_on_and_are_never_written_as_results(sampled, tmp_path):
    """存在的问题 notes for an outline with that part off (the bureau's last summary had none) switch it on, before
    the plan, and say so; they are never put into a section of results. A row whose own section is off is stated with
    the main indicators."""
    desk = Desk(sampled.model_copy(update={"workspace": tmp_path / "ws"}), offline_model=True)
    session = desk.create("示例县科学技术局", 2024)
    session.set_outline([s.id for s in session.spec.sections],
                        {s.id: s.id not in ("problems", "cooperation") for s in session.spec.sections})
    facts = tmp_path / "facts.yaml"
    facts.write_text("org: 示例县科学技术局\nyear: 2024\nfacts:\n  - indicator: 产学研合作项目\n    value: 60\n"
                     "    unit: 项\nnotes:\n  存在的问题和不足:\n    - 企业研发投入集中在少数龙头企业\n", "utf-8")
    session.import_facts(facts)
    order = [p.spec.id for p in session.planned()]
    assert "problems" in order and order.index("problems") < order.index("plan")
    assert session.notes()["problems"] == ("企业研发投入集中在少数龙头企业",)
    assert any("已在提纲中打开这一部分" in n for n in session.notices)
    assert [f.indicator for f in session.table().stated("indicators")] == ["产学研合作项目"]


def test_an_evaluative_heading_is_written_for_this_year_from_the_section(sampled):
    """聚焦企业培育，创新主体持续壮大 is 2023's line: once the section is written the model writes 2024's in its pattern
    (through a real OpenAI-compatible loopback server); an answer that is no such heading (a figure in it) keeps the
    old one; written again, the pattern is still the bureau's own line (kept where it still holds); a heading the
    writer sets is never rewritten again."""
    from chat_server import ChatServer, Text, by_prompt
    from conftest import FACTS
    from drafter.llm import chat_model

    plain = "一是抓好重点工作落实。围绕年度任务逐项推进。二是强化服务保障。建立问题清单并跟踪办理。"
    rules = {"“（二）聚焦企业培育，创新主体持续壮大”这一部分拟写本年的标题": Text("抓实梯次培育，创新主体量质齐升"),
             "“（三）聚力平台建设，创新载体能级提升”这一部分拟写本年的标题": Text("新增4家平台，载体能级提升"),
             # written again: the pattern is still the bureau's own line, which may be kept where it still holds
             "“（二）抓实梯次培育，创新主体量质齐升”这一部分拟写本年的标题。\n\n这个标题是本局往年总结中的写法：聚焦企业培育，"
             "创新主体持续壮大。": Text("聚焦企业培育，创新主体持续壮大")}
    with ChatServer(by_prompt(rules, Text(plain))) as server:
        settings = sampled.model_copy(update={"llm_base_url": server.url, "llm_api_key": None, "llm_timeout": 5.0,
                                              "llm_max_retries": 0})
        session = Desk(settings, model=chat_model(settings)).create(COUNTY, 2024)
        session.adopt_outline()
        session.import_facts(FACTS)
        report = session.generate(["enterprises", "platforms"])
        assert session.section("enterprises").heading == "（二）抓实梯次培育，创新主体量质齐升"
        assert session.section("platforms").heading == "（三）聚力平台建设，创新载体能级提升"  # kept: a figure in it
        assert any("（二）聚焦企业培育，创新主体持续壮大 → （二）抓实梯次培育，创新主体量质齐升" in w for w in report.warnings)
        session.generate(["enterprises"])
        assert session.section("enterprises").heading == "（二）聚焦企业培育，创新主体持续壮大"
        session.rename_sections({"enterprises": "强化企业培育，创新主体加快壮大"})
        session.generate(["enterprises"])
        assert session.section("enterprises").heading == "（二）强化企业培育，创新主体加快壮大"  # the writer's stays


def test_a_framing_line_with_commas_inside_its_quotes_is_read_whole():
    from drafter.drafting.house import opening_formula

    past = [_section(0, "", "2019年科技工作总结和2020年工作打算\n2019年，市科技局以“枢纽海安，物流天下”“产业高地，幸福之城”"
                     "战略定位为指引，围绕国家创新型县（市）建设目标任务，大力实施创新驱动发展战略，为海安高质量发展提供有力的科技支撑。")]
    assert opening_formula(past) == "以“枢纽海安，物流天下”“产业高地，幸福之城”战略定位为指引，围绕国家创新型县（市）建设目标任务"


def test_an_opening_the_bureau_writes_without_figures_names_two_at_most_and_ends_as_the_bureaus(sampled):
    """海安's 2019 opening frames the year and states no figure: its outline's opening names two main figures at most
    and adds no 现将…总结如下 the bureau never writes; one with figures (示例县's) keeps its main figures, each as this
    year's value and completion only, and its closing."""
    from drafter.drafting.context import headline
    from drafter.drafting.house import overlay
    from drafter.drafting.outlines import load_outline

    spec = load_outline("kjj_annual", ROOT / "prompts")
    framing = "2019年，市科技局以“枢纽海安，物流天下”战略定位为指引，围绕国家创新型县（市）建设目标任务，大力实施创新驱动发展战略。"
    lead = overlay(spec, [], "海安.txt", past_opening=framing)["sections"]["lead"]
    assert lead["headline"] == 2 and "不加" in lead["guidance"] and "今年以来" in lead["guidance"]
    with_figures = overlay(spec, [], "示例县.md", past_opening="2023年，县科技局…全年新增高新技术企业17家，净增13家。"
                                                                "现将有关情况总结如下：")
    assert "headline" not in with_figures["sections"]["lead"] and "guidance" not in with_figures["sections"]["lead"]
    session = Desk(sampled, offline_model=True).create(COUNTY, 2024)
    from conftest import FACTS
    session.import_facts(FACTS)
    lines = headline(session.table(), session.planned())
    assert lines and all("上年" not in line and "同比" not in line for line in lines)
    assert headline(session.table(), session.planned(), 0) == []


def test_the_bureaus_own_line_of_a_year_is_shown_not_carried_over():
    """以“枢纽海安，物流天下”…战略定位为指引，围绕…目标任务 is that bureau's line of 2019: shown to the writer to take
    into the note if it still holds, never written into 2020's opening unconfirmed; the standing part of a framing line
    (under whose leadership, the Party's line) is kept."""
    from drafter.drafting.house import standing

    own = "以“枢纽海安，物流天下”“产业高地，幸福之城”战略定位为指引，围绕国家创新型县（市）建设目标任务"
    assert standing(own) == ("", own)
    assert standing("在区委、区政府的坚强领导下，以提高统计数据质量为核心") == ("在区委、区政府的坚强领导下", "以提高统计数据质量为核心")


def test_the_main_indicators_are_written_in_the_bureaus_points(sampled):
    """示例县's 2023 （一） sets out its figures in four points (一是创新主体加速壮大…): the adopted outline's （一） does the
    same, every figure of the year in it, at a length that holds them."""
    from conftest import FACTS

    session = Desk(sampled, offline_model=True).create(COUNTY, 2024)
    session.adopt_outline()
    session.import_facts(FACTS)
    assert session.section("indicators").spec.points == 4
    prompt = session.messages("indicators")[-1].content
    assert "分4点（一是、二是……）写事实表中的数字" in prompt and "高新技术企业总数：本年98家；上年85家" in prompt
    length = int(prompt.split("篇幅约")[1].split("字")[0])
    assert length >= 28 * prompt.count("\n- ") - 28 * 2  # the missing rows' lines aside


def test_the_figures_of_sections_the_bureau_lacks_go_where_it_writes_of_that_work():
    """争取资金领跑南通 sets out no indicators (no 指标 in it): it is a section of its own with the figures reported
    under it, not the overview of every indicator; 科技贷款 (科技金融与知识产权, which the bureau's outline lacks) goes
    under the section whose past text speaks of 苏科贷, 产学研合作项目 under the one of 产学研对接, 研发投入 under the one of
    研发; 发明专利, of which the bureau never wrote, with its other indicators (not with 苏科贷 for sharing a topic)."""
    from drafter.drafting.house import overlay, propose
    from drafter.drafting.outlines import load_outline

    spec = load_outline("kjj_annual", ROOT / "prompts")
    past = [_section(1, "一、主要特色亮点"), _section(2, "（一）争取资金领跑南通。", "争取上级资金总量南通第一。"),
            _section(1, "二、主要做法和成效"),
            _section(2, "（一）全面提升企业创新能力", "组织企业与高校院所开展产学研对接活动，打造校企合作模式。"),
            _section(2, "（二）不断优化创新创业环境", "推进科技金融工作，“苏科贷”备案企业44家，贷款额1.18亿元。"),
            _section(2, "（三）稳步推进创新型县（市）建设工作", "全市研发经费投入强度达到2.55%，全社会研发投入增长。"),
            _section(1, "二、2020年工作打算")]
    proposals = propose(spec, past, 2019)
    got = {p.past: p for p in proposals}
    assert got["争取资金领跑南通"].own
    data = overlay(spec, proposals, "2019.txt")
    indicators = {p.past: data["sections"][p.section].get("indicators", []) for p in proposals if p.section in data["sections"]}
    assert "科技贷款" in indicators["不断优化创新创业环境"]
    assert "产学研合作项目" in indicators["全面提升企业创新能力"]
    assert "发明专利授权量" not in indicators["不断优化创新创业环境"]
    assert "科技贷款" not in indicators["争取资金领跑南通"]


def test_the_title_is_written_as_the_bureau_writes_it():
    from drafter.drafting.house import past_title

    said = [_section(0, "", "2019年科技工作总结和2020年工作打算\n2019年，市科技局…")]
    assert past_title(said, 2019, "海安市科学技术局") == "{year}年科技工作总结和{next_year}年工作打算"
    named = [_section(0, "", "示例县科学技术局2023年工作总结和2024年工作打算\n2023年，…")]
    assert past_title(named, 2023, "示例县科学技术局") == "{org}{year}年工作总结和{next_year}年工作打算"
    assert past_title([_section(0, "", "2023年，县科技局紧紧围绕…，取得新成效。")], 2023, "示例县科学技术局") == ""


def test_a_section_the_bureau_wrote_in_numbered_items_is_asked_for_in_them(sampled):
    """示例县's 2023 （二） has 1.完善政策体系 2.强化梯队培育 3.做优精准服务: this year's is asked for as numbered items
    with a one-line heading each, in that pattern (not 一是/二是), as many as the notes fill."""
    from conftest import FACTS

    session = Desk(sampled, offline_model=True).create(COUNTY, 2024)
    session.import_facts(FACTS)
    session.adopt_outline()
    asked = "\n".join(m.content for m in session.engine().messages(session.section("enterprises"), [], ""))
    assert "以“1.”“2.”……编号的一句小标题开头" in asked and "- 完善政策体系" in asked and "一是、二是" not in asked


def test_the_bureau_names_itself_as_its_past_summaries_do(sampled):
    """示例县's summaries call it 县科技局 (not 我局, not 县税务局 of the same lines): every section is asked to."""
    from drafter.drafting.house import self_name

    session = Desk(sampled, offline_model=True).create(COUNTY, 2024)
    session.adopt_outline()
    assert session.spec.self_name == "县科技局"
    assert any("自称“县科技局”" in n for n in session.notices)  # and the writer is told
    system = session.engine().messages(session.section("enterprises"), [], "")[0].content
    assert "本单位自称“县科技局”" in system and "我局" not in system
    said = [_section(1, "一、", "我局牵头…县税务局、县税务局配合，我局…"), _section(1, "二、", "示例县水利局…")]
    assert self_name(said, "示例县水利局") == "我局"
    assert self_name([_section(1, "一、", "县水利局牵头，县水利局配合")], "示例县水利局") == "县水利局"
    assert self_name([_section(1, "一、", "示例县水利局、示例县水利局")], "示例县水利局") == ""
