from dataclasses import replace

import pytest

from conftest import FACTS
from drafter.numbers.checks import check, mentions
from drafter.session import Desk

ORG = "示例县科学技术局"
PAST = [("示例县科学技术局2023年工作总结.md",
         "实施“小升高”培育工程，对全县规上工业企业开展研发活动情况“拉网式”排查，建立高企后备库，按“成熟一批、申报一批”原则分批推进。")]


def draft_of(settings, notes=None):
    return Desk(settings, offline_model=True).quick(facts=FACTS, notes=notes)


@pytest.fixture
def table(sampled):
    return draft_of(sampled).table()


def kinds(findings):
    return [(f.kind, f.text) for f in findings]


def test_dates_ordinals_and_names_are_not_figures():
    text = ("## 一、2024年主要工作\n1.完善政策。4月18日举办对接会，2024—2025年持续推进，1-11月累计，第十届科技活动周、第3批名单，"
            "《示例县科技创新若干政策（2023年修订）》（示政发〔2023〕11号），5G基站。")
    assert mentions(text) == []


def test_scrape_metadata_labels_and_thresholds_are_not_figures():
    text = ("发布时间:2020-02-20 15:16 索引号:haskjj/2021-00040 客服:3074922707 第9页 共9页。落实“科技创新40条”，"
            "开展512防灾减灾日活动，实施10万元以上项目。")
    assert mentions(text) == []
    assert [(m.text, round(m.value, 4)) for m in mentions("占全市1/3。")] == [("1/3", 0.3333)]


def test_quantities_are_found_with_their_units():
    found = [(m.text, m.value, m.unit) for m in mentions("新增高新技术企业16家，总数达到98家，增长15.3%，成交额5.30亿元，分三批推进，120余家，位居全市第2位")]
    assert found == [("16家", 16, "家"), ("98家", 98, "家"), ("15.3%", 15.3, "%"), ("5.30亿元", 5.3, "亿元"),
                     ("三批", 3, "批"), ("120余家", 120, "家"), ("2", 2, None)]


def test_numbers_from_the_table_notes_and_derivations_pass(table):
    text = ("全年新认定高新技术企业16家，全县高新技术企业总数达到98家，比上年增加13家，同比增长15.3%，完成年度目标的103.2%。"
            "技术合同成交额5.30亿元，合53000万元。组织高企申报培训3场，覆盖企业120家。上年为85家。")
    assert check(text, table) == []


def test_an_invented_number_is_unverified(table):
    found = check("全县高新技术企业总数达到98家，引进院士团队37个，同比增长15.6%。", table)
    # the 同比 after 院士团队37个 is that count's: no source either
    assert kinds(found) == [("unverified_number", "37个"), ("unverified_number", "15.6%")]
    assert kinds(check("全县高新技术企业总数达到98家，同比增长15.6%。", table)) == [("arithmetic", "15.6%")]  # 15.3%
    assert all(f.message and f.suggestion for f in found)


def test_a_number_with_the_wrong_unit_is_unverified(table):
    assert kinds(check("技术合同成交额98亿元。", table)) == [("unverified_number", "98亿元")]


def test_prior_year_stated_differently_from_the_ledger(table):
    found = check("全县高新技术企业总数达到98家，上年为80家。", table)
    assert kinds(found) == [("inconsistent_prior", "80家")]
    assert "85家" in found[0].message and "2023年工作总结" in found[0].message


def test_target_stated_as_achieved(table):
    assert kinds(check("全县高新技术企业总数达到110家。", table)) == [("target_as_actual", "110家")]
    assert check("明年力争全县高新技术企业总数达到110家。", table) == []
    assert check("全县高新技术企业总数达到98家，完成年度目标（95家）的103.2%。", table) == []


def test_context_figure_of_the_ledger_used_as_local(sampled):
    s = draft_of(sampled)
    found = check("全县新增企业研究院4家。", s.table(), context_values=s.engine().context_values)
    # 4 is also this year's 孵化器 count, but the sentence speaks of the 企业研究院 of the past comparison figure
    assert kinds(found) == [("context_as_local", "4家")]
    assert check("全县科技企业孵化器达到4家。", s.table(), context_values=s.engine().context_values) == []
    found = check("全县新增企业研究院5家。", s.table(), context_values=[{"value": 5.0, "unit": "家", "path": "a.md", "sentence": "全市共有5家"}])
    assert kinds(found) == [("context_as_local", "5家")]


def test_placeholders_and_pending_markers():
    found = check("20XX年新增xx家，××项目，【待核实：2024年全社会研发投入（亿元）】", None)
    assert kinds(found) == [("placeholder", "20XX"), ("placeholder", "xx"), ("placeholder", "××"),
                            ("pending", "【待核实：2024年全社会研发投入（亿元）】")]


def test_copied_sentence_is_flagged_but_stock_phrases_and_short_echoes_are_not(table):
    copied = "二是强化梯队培育。对全县规上工业企业开展研发活动情况“拉网式”排查，摸清底数。"
    found = check(copied, table, past=PAST, copy_min_chars=20)
    assert kinds(found) == [("copied_text", "对全县规上工业企业开展研发活动情况“拉网式”排查，")]
    assert "示例县科学技术局2023年工作总结.md" in found[0].message
    own = "深入贯彻落实党的二十大精神，实施“小升高”培育工程，现将有关情况总结如下。"
    assert check(own, table, past=PAST + [("b.md", "深入贯彻落实党的二十大精神，现将有关情况总结如下。")]) == []


def test_outline_conformity(sampled):
    s = draft_of(sampled)
    text = "# 标题\n\n## 一、2024年主要工作及成效\n\n### （二）主要科技创新指标完成情况\n\n正文。\n\n## 三、存在的问题和不足\n\n正文。\n"
    found = [f for f in check(text, None, planned=s.planned()) if f.kind == "outline"]
    messages = " ".join(f.message for f in found)
    assert "编号应为“（一）”" in messages
    assert "缺少提纲中的标题“（二）科技企业培育”" in messages
    assert "编号应为“二、”" in messages
    assert "缺少提纲中的标题“三、2025年工作打算”" in messages


def test_comparison_count_from_the_notes_used_as_local(sampled, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# 科技企业培育\n- 全省共有11家企业入选省创新型领军企业，我县1家\n", "utf-8")
    table = draft_of(sampled, notes).table()
    assert kinds(check("全省共有11家企业入选。", table)) == []
    assert kinds(check("全县11家企业入选省创新型领军企业。", table)) == [("context_as_local", "11家")]


def test_a_known_value_in_the_wrong_place_is_named_for_what_it_is(table):
    found = check("全县高新技术企业总数达到85家。技术合同成交额5亿元。科技贷款4.62亿元。全县高新技术企业总数达到98家，"
                  "同比增长16.2%。", table)
    assert kinds(found) == [("wrong_year", "85家"), ("target_as_actual", "5亿元"), ("wrong_indicator", "4.62亿元"),
                            ("arithmetic", "16.2%")]
    assert found[0].to_json()["indicator"] == "高新技术企业总数" and found[0].to_json()["role"] == "value"
    assert "应为98家" in found[0].message and found[3].suggestion.startswith("改为15.3%")


def test_qualifiers_ranks_and_breakdowns(table):
    assert check("全县高新技术企业近百家。", table) == []
    assert kinds(check("全县高新技术企业超百家。", table)) == [("qualifier", "百家")]
    assert kinds(check("技术合同成交额位居全市第一。", table)) == [("rank", "位居全市第一")]
    found = check("省级以上研发机构达到36家，其中国家级10家、省级20家。", table)
    assert [f.kind for f in found if f.kind == "arithmetic"] == ["arithmetic"]


def test_longer_standard_openings_are_not_copying_but_stale_content_is(table):
    past = [("a.md", "在县委、县政府的坚强领导和上级科技部门的精心指导下,县科技局以习近平新时代中国特色社会主义思想为引领,"
                     "认真学习宣传贯彻党的二十大精神,统筹疫情防控和科技创新工作,全县科技创新能力稳步提升。")]
    opening = "今年以来，在县委、县政府的坚强领导和上级科技部门的精心指导下，县科技局以习近平新时代中国特色社会主义思想为引领，认真学习宣传贯彻党的二十大精神，聚力抓主体。"
    assert check(opening, table, past=past) == []
    stale = "认真学习宣传贯彻党的二十大精神，统筹疫情防控和科技创新工作，全县科技创新能力稳步提升。"
    assert kinds(check(stale, table, past=past))[0][0] == "copied_text"


def test_trees_are_counted_in_their_own_unit():
    """种植树木 11.6 万株 (a 城管局's row): 11.6万株 is that row's value, not an unsourced 11.6万."""
    assert [(m.text, m.value, m.unit) for m in mentions("全年种植树木11.6万株，补植乔木300棵")] == [
        ("11.6万株", 11.6, "万株"), ("300棵", 300, "棵")]
    from drafter.numbers.claims import same_unit

    assert same_unit("万株", "万") and same_unit("万", "万株") and not same_unit("万株", "家")  # a row kept in 万


def test_a_stage_the_notes_still_plan_is_not_written_as_reached():
    """列入培育名单 is reached, 申报认定 is planned: 已获省政府批复设立 skips ahead, even in a clause of its own."""
    from drafter.numbers.checks import plan_findings

    note = "县经济开发区省级高新区已列入省级培育名单，拟于2025年申报认定"
    said = "县经济开发区省级高新区创建取得突破，已获省政府批复设立，区内产业集聚度提升。"
    assert [(f.kind, f.text) for f in plan_findings(said, note)] == [("plan_as_done", "已获省政府批复设立")]
    assert plan_findings("县经济开发区省级高新区已列入省级培育名单，正在准备申报材料。", note) == []


def test_the_very_step_a_plan_names_is_not_written_as_taken():
    """计划2026年底结顶 and 拟在杭州新设: 已顺利结顶 and 新设第3个 say the planned step is taken; the step the notes
    report as taken (已完成方案论证) is no finding."""
    from drafter.numbers.checks import plan_findings

    note = "县肿瘤诊疗中心项目年度完成投资2.15亿元，主体结构正在施工，计划2026年底结顶\n拟在杭州新设1个离岸创新中心，已完成方案论证"
    assert [(f.kind, f.text) for f in plan_findings("县肿瘤诊疗中心项目建设提速，项目主体结构已顺利结顶。", note)] == [
        ("plan_as_done", "项目主体结构已顺利结顶")]
    assert [(f.kind, f.text) for f in plan_findings("深化人才飞地建设，在杭州新设第3个离岸创新中心。", note)] == [
        ("plan_as_done", "在杭州新设第3个离岸创新中心")]
    assert plan_findings("县肿瘤诊疗中心项目主体结构正在施工，计划2026年底结顶。", note) == []
    assert plan_findings("在杭州新设离岸创新中心已完成方案论证。", note) == []
    # the planned step at the clause's end (下闸蓄水 of 计划2027年底下闸蓄水)
    assert [f.text for f in plan_findings("牛路水库已于年内建成并下闸蓄水。", "牛路水库正在建设，计划2027年底下闸蓄水")] == [
        "牛路水库已于年内建成并下闸蓄水"]
    # 建设 is the stage before 建成; 印发 says a document is out
    assert [f.text for f in plan_findings("临川县、北湖区科技馆分馆同步建成。", "拟在临川县、北湖区各建设1个科技馆分馆")] == [
        "临川县、北湖区科技馆分馆同步建成"]
    assert [f.text for f in plan_findings("印发实施《示例县科技型中小企业梯次培育方案》，分类辅导。",
                                          "拟出台《示例县科技型中小企业梯次培育方案》")] == ["印发实施《示例县科技型中小企业梯次培育方案》"]
    # a clause closer to a note of what is done than to the plan is that note's (通过考察, not 获批)
    assert plan_findings("三是省级高新区创建通过考察。县经济开发区创建省级高新区，已通过省级部门实地考察。",
                         "县经济开发区省级高新区创建通过省级部门实地考察", ("推动县经济开发区省级高新区获批",)) == []


def test_a_notes_words_with_the_comma_after_them_are_not_copied_text():
    """The bureau's framing line is the opening's note; a section that says it again, comma and all, copies no one."""
    from types import SimpleNamespace

    from drafter.numbers.checks import PastTexts, copied_findings

    past = PastTexts([("2019.txt", "2019年，市科技局围绕国家创新型县（市）建设和全省创新驱动发展示范地区目标任务，大力实施创新驱动发展战略。")])
    table = SimpleNamespace(notes={"lead": ("围绕国家创新型县（市）建设和全省创新驱动发展示范地区目标任务",)})
    said = "对照国家创新型县（市）建设和全省创新驱动发展示范地区目标任务，我市科技创新工作还存在以下不足。"
    assert copied_findings(said, past, 20, table) == []
    assert [f.kind for f in copied_findings(said, past, 20, SimpleNamespace(notes={}))] == ["copied_text"]


def test_a_respectively_run_gives_each_figure_to_its_own_row(table):
    """高新技术企业总数98家、科技型中小企业入库190家，分别增长15.3%、15.2%: the i-th number after 分别 is the i-th row's;
    a wrong one is still found."""
    said = "高新技术企业总数98家、科技型中小企业入库190家、技术合同成交额5.30亿元，分别增长15.3%、15.2%、14.7%，分别完成年度目标的103.2%、105.6%、106.0%。"
    assert [f for f in check(said, table) if f.kind != "pending"] == []
    wrong = said.replace("15.2%", "25.2%")
    assert [(f.kind, f.text) for f in check(wrong, table)] == [("arithmetic", "25.2%")]
    going_on = said.replace("，分别完成年度目标的", "，完成年度目标的")  # the run goes on without a second 分别
    assert [f for f in check(going_on, table) if f.kind != "pending"] == []
    assert [(f.kind, f.text) for f in check(going_on.replace("105.6%", "106.5%"), table)] == [("arithmetic", "106.5%")]


@pytest.fixture
def office(tmp_path):
    """A 统计局's table of its own rows (no catalog entry fits them) and notes."""
    return _own_table(tmp_path / "统计局.yaml", """org: 示例县统计局
year: 2024
facts:
  - {indicator: 地区生产总值, value: 310.5, unit: 亿元, prior: 285.2}
  - {indicator: 地区生产总值增速, value: 6.1, unit: "%", prior: 4.8}
  - {indicator: 城镇常住居民人均可支配收入, value: 41230, unit: 元, prior: 39460}
  - {indicator: 统计分析报告, value: 52, unit: 篇, target: 45}
  - {indicator: 联网直报企业, value: 236, unit: 家}
  - {indicator: 执法检查企业, value: 64, unit: 家, target: 60}
  - {indicator: 统计从业人员培训, value: 15200, unit: 人次, prior: 13100}
  - {indicator: 统计调查网点, value: 40, unit: 个, prior: 34}
  - {indicator: 乡镇调查点, value: 12, unit: 个, prior: 10}
  - {indicator: 帮扶企业规范统计, value: 1290, unit: 家, target: 1200}
  - {indicator: 统计执法案件, unit: 件, prior: 20}
  - {indicator: 净增统计调查网点, value: 6, unit: 个}
  - {indicator: 统计数据共享接口, value: 62, unit: 个, prior: 20}
  - {indicator: 上级统计经费, value: 120, unit: 万元, prior: 95}
  - {indicator: 统计档案数字化改造, value: 1200, unit: 件}
  - {indicator: 统计业务培训班, value: 18, unit: 期, target: 20}
notes:
  统计服务:
    - 地区生产总值增速居全市第4位（2023年居全市第7位）
    - 全县11个乡镇统计所完成规范化建设7个
    - 拟建设县级统计数据共享平台，已完成立项
    - 县统计档案馆主体结构已封顶，计划2025年建成投用
    - 全年办理统计执法案件23件
    - 统计工作站22家，统计服务团增至5个
    - 全市地区生产总值平均增速5.2%
    - 统计数据质量考核由2023年的全市第5位升至全市第2位
    - 统计档案累计完成数字化3600件
  工作打算:
    - 建成县级统计数据共享平台
""")


def _own_table(path, text: str):
    """The table of a facts file with no outline: the rows as the file has them, the notes by the writer's headings."""
    from drafter.numbers.facts import build_table, read_facts

    path.write_text(text, encoding="utf-8")
    given = read_facts(path)
    table = build_table([], given, org=given.org, year=given.year, period="annual", ledger=None)
    return replace(table, notes=given.notes)


@pytest.mark.parametrize("said, found", [
    # the table's growth row is the indicator's growth (at comparable prices), not 310.5 / 285.2
    ("全县地区生产总值310.5亿元，同比增长6.1%，增速比上年提高1.3个百分点，居全市第4位。", []),
    ("全县地区生产总值310.5亿元，同比增长8.9%。", [("arithmetic", "8.9%")]),
    ("地区生产总值增速居全市第7位。", [("rank", "居全市第7位")]),  # the notes date it to 2023
    # list numbers after a full stop; a count of the list before it
    ("1.统计分析。全年编发统计分析52篇。2.统计执法。覆盖工业、建筑业、批零住餐和服务业四个专业。", []),
    # a completion rate is the row's whose figure comes right before it
    ("全年编发统计分析、统计信息52篇，完成年度目标的115.6%。", []),
    ("联网直报企业236家，完成年度目标的106.7%。", [("wrong_indicator", "106.7%")]),
    # another year's figure named by no row's exact name
    ("全县城镇居民人均可支配收入39460元。", [("wrong_year", "39460元")]),
    ("全县城镇居民人均可支配收入由39460元增至41230元。", []),
    # a number that opens a phrase of its own; one note's two counts told apart by the words before them
    ("执法检查覆盖联网直报企业和11个乡镇。", []),
    ("全县乡镇统计所完成规范化建设11个。", [("wrong_indicator", "11个")]),
    # a step the notes report done; a plan section's note is a plan
    ("县级统计数据共享平台已完成立项。", []),
    ("建成县级统计数据共享平台，部门数据实现互联互通。", [("plan_as_done", "建成县级统计数据共享平台")]),
    # counts in 万 of a row in 人次; a qualifier is measured against this year's value, not last year's
    ("全年统计从业人员培训1.52万人次。", []),
    ("全年统计从业人员培训超1.4万人次。", []),
    ("全年统计从业人员培训超1.6万人次。", [("qualifier", "1.6万人次")]),
    # a rank's move is no count; growth is no plan reached; 新建 counts the year's new ones
    ("地区生产总值增速居全市第4位，比上年前移三位。", []),
    ("县级统计数据共享平台建设实现较快推进，数据采集实现稳步增长。", []),
    ("全年新建统计调查网点6个，网点总数达到40个。", []),
    # after 其中's parts, the change is the total's; a clause of its own subject breaks the naming
    ("统计调查网点达到40个，其中乡镇调查点12个，比上年增加6个。", []),
    ("乡镇调查点由10个增加到12个，全年调查网点净增6个，总数达到40个。", []),
    # 完成/未完成 against a row stated by its value, not its name
    ("全年帮扶1290家企业规范统计，未完成年度目标。", [("conflict", "未完成")]),
    # an earlier year's rank stated as that year's; a plan's amount before the rate; a step the notes report done
    ("地区生产总值增速居全市第4位（2023年居全市第7位）。", []),
    ("全年帮扶企业规范统计1290家，完成年度计划1200家的107.5%。", []),
    ("县统计档案馆主体结构已封顶。", []),
    ("县统计档案馆建成投用。", [("plan_as_done", "县统计档案馆建成投用")]),
    # 超 of a figure rounded up past the value (1.52万 is not 超1.6万, nor 超1.5万 of 15200 rounded)
    ("全年统计从业人员培训超1.5万人次。", []),
    ("全年开展统计从业人员培训，参训超1.6万人次。", [("qualifier", "1.6万人次")]),
    # a rate after a net change is the total's; after a total, the total's even when 新增 opened the sentence
    ("统计调查网点达到40个，净增6个，同比增长17.6%。", []),
    ("新建统计调查网点6个，总数达到40个，同比增长17.6%。", []),
    ("统计调查网点达到40个，净增6个，同比增长20.6%。", [("arithmetic", "20.6%")]),
    # the change of a row with last year's value only, from the figure the notes give for this year
    ("全年办理统计执法案件23件，同比增长15.0%。", []),
    ("全年办理统计执法案件23件，同比增长25.0%。", [("arithmetic", "25.0%")]),
    # a count of another unit after the same words in the note line is no twin (增至 is 5个's, not 22家's)
    ("统计工作站增至22家，统计服务团增至5个。", []),
    # the difference of two figures the sentence states or names
    ("地区生产总值增速6.1%，高于全市5.2%的平均水平0.9个百分点。", []),
    ("地区生产总值增速6.1%，高于全市5.2%的平均水平1.2个百分点。", [("unverified_number", "1.2个百分点")]),
    ("全市平均增速为5.2%，我县地区生产总值增速与之相差0.9个百分点。", []),
    # a share of two counts just stated, in tenths too; a figure with 以上 is at least that
    ("全县11个乡镇统计所完成规范化建设7个，完成率超过六成。", []),
    ("全县11个乡镇统计所完成规范化建设7个，完成率超过七成。", [("unverified_number", "七成")]),
    ("全年统计从业人员培训15200人次，同比增长16%以上。", []),
    ("全年统计从业人员培训15200人次，同比增长20%以上。", [("qualifier", "20%")]),
    # units of things counted in Arabic figures (辆, 口, 头); 24小时值班 is a way of working
    ("全年配发统计调查车辆35辆，实行24小时值班值守。", [("unverified_number", "35辆")]),
    ("统计数据平均提前2-3小时发布，30分钟内响应。", [("unverified_number", "2-3小时"), ("unverified_number", "2-3小时"),
                                                ("unverified_number", "30分钟")]),
    # growth in 倍; a part in brackets (含…) is its own thing, not the total named before it
    ("统计数据共享接口62个，同比增长2.1倍。", []),
    ("统计数据共享接口62个，同比增长3.1倍。", [("arithmetic", "3.1倍")]),
    ("统计调查网点达到40个（含乡镇调查点12个）。", []),
    # a rank's move: its end is this year's, its start last year's
    ("统计数据质量考核由全市第5位升至第2位。", []),
    ("统计数据质量考核由全市第5位升至第1位。", [("rank", "升至第1位")]),
    ("统计数据质量考核稳居全市第5位。", [("rank", "居全市第5位")]),
    ("统计数据质量考核位居全市前三。", []),  # of 第2位: borne out
    ("统计数据质量考核位居全省前三。", [("rank", "位居全省前三")]),  # the notes rank it in the city
    # 争取 before the figure of a row with no target: the amount obtained, last year's if it is last year's
    ("2024年争取上级统计经费120万元。", []),
    ("2024年争取上级统计经费95万元。", [("wrong_year", "95万元")]),
    # a rate naming nothing is the figure's it follows
    ("全年帮扶企业规范统计1290家，较上年明显增加，完成年度目标的117.5%。", [("arithmetic", "117.5%")]),
    # a stock (累计) after a row of the year's work is judged by its sources, not as that row
    ("全年完成统计档案数字化改造1200件，累计达到3600件。", []),
    ("全年完成统计档案数字化改造1200件，累计达到3900件。", [("unverified_number", "3900件")]),
    # a move's start is checked too; a difference (比…多) and a share of figures the sentence states or names
    ("统计数据质量考核由全市第6位升至第2位。", [("rank", "由全市第6位升至第2位")]),
    ("联网直报企业236家，比执法检查企业64家多172家。", []),
    ("联网直报企业中，执法检查企业64家，占27.1%。", []),
    ("联网直报企业236家，执法检查企业64家，检查覆盖面超过两成。", []),
    # 完成 a target named by its amount (完成20期的年度培训目标) where the row missed it
    ("统计业务培训班办了18期。全面完成20期的年度培训目标。", [("conflict", "完成20期的年度培训目标")]),
])
def test_a_bureau_of_its_own_rows(office, said, found):
    assert kinds(f for f in check(said, office) if f.kind != "pending") == found


@pytest.fixture
def services(tmp_path):
    """A bureau of services (environment, health, schools) with units and notes of its own."""
    return _own_table(tmp_path / "社会事业局.yaml", """org: 示例县社会事业局
year: 2025
facts:
  - {indicator: 危险废物利用处置能力, value: 156.8, unit: 万吨/年, prior: 149.2}
  - {indicator: 细颗粒物平均浓度, value: 36, unit: 微克/立方米, prior: 35}
  - {indicator: 登记社会组织, value: 146, unit: 家, prior: 139}
  - {indicator: 重点排污单位, value: 1268, unit: 家, prior: 1190}
  - {indicator: 在用特种设备, value: 98650, unit: 台, prior: 93410}
  - {indicator: 食品安全抽检, value: 18620, unit: 批次, prior: 17350}
  - {indicator: 食品安全抽检合格率, value: 98.7, unit: "%", prior: 98.9}
  - {indicator: 校建项目年度完成投资, value: 8.46, unit: 亿元, prior: 7.77, target: 8}
  - {indicator: 新增公共场所AED, value: 96, unit: 台, prior: 83}
  - {indicator: 高考一段线上线人数, value: 1236, unit: 人, prior: 1158, target: 1250}
  - {indicator: 新招聘教师, value: 186, unit: 人, target: 180}
  - {indicator: 县域就诊率, value: 91.2, unit: "%", prior: 90.4}
  - {indicator: 人均预期寿命, unit: 岁, prior: 82.35}
  - {indicator: 供应土地, value: 3986.55, unit: 亩}
  - {indicator: 办理法律援助案件, value: 5320, unit: 件, target: 5000}
  - {indicator: 大网格, value: 21, unit: 个, prior: 14}
  - {indicator: 脱贫人口小额信贷新增发放, value: 3.26, unit: 亿元, prior: 3.58, target: 3.5, next_target: 3.6}
  - {indicator: 衔接资金用于产业发展比例, value: 62.4, unit: "%", target: 60}
  - {indicator: 水务固定资产投资, value: 96.8, unit: 亿元, prior: 91.2, target: 100}
  - {indicator: 城镇污水处理能力, value: 874.5, unit: 万吨/日}
  - {indicator: 进驻政务大厅部门单位, value: 44, unit: 个, prior: 42}
  - {indicator: 进驻政务大厅审批服务事项, value: 912, unit: 项, prior: 886}
  - {indicator: 小网格, value: 882, unit: 个, prior: 856}
notes:
  生态环境:
    - 全国地级及以上城市细颗粒物平均浓度28微克/立方米
    - 危险废物利用处置能力156.8万吨/年，其中焚烧28.5万吨/年、填埋16.3万吨/年、综合利用112.0万吨/年
    - 新纳入重点排污单位名录126家，移出48家
  社会事务:
    - 新登记社会组织12家，注销5家
    - 166个湖泊保持无劣V类
    - 县域医共体建设绩效考核居全市第3位
    - 全省县域就诊率89.7%
    - 新增为32家政府办村卫生室配备心电图机
    - 供应土地中工业用地2153.4亩
    - 全县知识产权质押融资额16.8亿元
    - 全省城镇污水处理能力3268万吨/日
    - 主题事项上线未完成60项的年度目标
""")


@pytest.mark.parametrize("said, found", [
    # units of a bureau of services: a capacity per year, a concentration, 批次, 万台, 岁 (only of a life or an age)
    ("全市危险废物利用处置能力156.8万吨，细颗粒物平均浓度36微克/立方米。", []),
    ("全县细颗粒物平均浓度28微克/立方米。", [("context_as_local", "28微克/立方米")]),  # the row says 36, 全国 28
    ("全年完成食品安全抽检1.86万批次，在用特种设备近9.9万台。", []),
    ("人均预期寿命达到82.6岁，为60岁以上老年人免费体检。", [("unverified_number", "82.6岁")]),
    # a note's figure with the note's own words next to it, where a row of the same noun counts another thing
    ("全年新登记社会组织12家，全县登记社会组织达到146家；166个湖泊保持无劣V类。", []),
    ("全年新纳入重点排污单位126家、移出48家，总数达到1268家。", []),
    ("全年新纳入重点排污单位126家。", []),  # the note's words, 名录 left out
    # parts may leave some out (as the notes give them), never add up to more; the total is no change figure
    ("危险废物利用处置能力156.8万吨/年，其中焚烧28.5万吨/年、填埋16.3万吨/年。", []),
    ("危险废物利用处置能力156.8万吨/年，其中焚烧128.5万吨/年、填埋36.3万吨/年。",
     [("arithmetic", "128.5万吨/年、填埋36.3万吨/年"), ("unverified_number", "128.5万吨/年"),
      ("unverified_number", "36.3万吨/年")]),
    ("在用特种设备98650台，比上年增加5240台，其中电梯61230台、压力容器29870台、起重机械7550台。",
     [("unverified_number", "61230台"), ("unverified_number", "29870台"), ("unverified_number", "7550台")]),
    # a figure equal to one cell exactly is that cell's, not another's said roughly (3.6 is next year's, not 3.58)
    ("全年新增发放脱贫人口小额信贷3.6亿元。", [("target_as_actual", "3.6亿元")]),
    ("资金用于产业发展的占比62.4%，超过60%的年度目标要求2.4个百分点。", []),
    # 完成年初确定的…任务 of a row that missed it; 超百亿元 of 96.8亿元
    ("全年完成水务固定资产投资96.8亿元，圆满完成年初确定的100亿元投资任务。",
     [("conflict", "完成年初确定的100亿元投资任务")]),
    ("全年水务固定资产投资超百亿元。", [("qualifier", "百亿元")]),
    # a note's 未完成60项的年度目标: its 60 is a target, not this year's count
    ("全年累计上线主题事项60项。", [("target_as_actual", "60项")]),
    # a 分别 run whose figures do not all name a row is judged by their sources; a naming before 44个、 is 44's
    ("全县进驻部门单位44个、审批服务事项912项，分别比上年增加2个、26项。", []),
    ("全县进驻部门单位44个、审批服务事项921项。", [("unverified_number", "921项")]),
    # a clause framed as another place's (从全省看，…) states the comparison figure
    ("从全省看，城镇污水处理能力3268万吨/日，全县874.5万吨/日。", []),
    # a qualified figure (超过15亿元) is borne out only by a note of the same thing, not by any note over 15亿元
    ("知识产权质押融资额超过15亿元。", []),
    ("带动企业新增研发投入超过15亿元。", [("unverified_number", "15亿元")]),
    # vague counts: 进万家 is no count; 上千场次 needs a source of 场次
    ("持续开展健康知识进万家活动。", []),
    ("全年开展普法活动上千场次。", [("unverified_number", "上千场次")]),
    # a target named after its amount (180人年度招聘计划); 超 / 突破 said of the actual against the target
    ("新招聘教师186人，完成180人年度招聘计划的103.3%。", []),
    ("完成校建项目年度投资超8亿元。", []),
    ("全年完成校建投资突破8.5亿元。", [("qualifier", "8.5亿元")]),
    ("全县高考一段线上线1250人。", [("target_as_actual", "1250人")]),
    # differences and shares of a note's figure the sentence names; 超出目标 of the row whose target it states
    ("县域就诊率91.2%，高出全省平均水平1.5个百分点。", []),
    ("供应土地3986.55亩，其中工业用地占比54.0%。", []),
    ("全年办理法律援助案件超5300件，完成5000件年度目标的106.4%，超出目标320件。", []),
    ("食品安全抽检合格率98.7%，比上年提高0.2个百分点。", [("arithmetic", "0.2个百分点")]),
    # a row named by the end of its name no other row holds (抽检合格率); a change in a unit of its own (上升1微克)
    ("抽检合格率98.7%，比上年提高0.2个百分点。", [("arithmetic", "0.2个百分点")]),
    ("细颗粒物平均浓度上升1微克/立方米。", []),
    ("细颗粒物平均浓度上升2微克/立方米。", [("arithmetic", "2微克/立方米")]),
    # 分别 after heads spelled short (中、小…): each figure to its own row
    ("全县安全生产网格调整到位，大、小网格分别增加7个、26个。", []),
    ("全县安全生产网格调整到位，大、小网格分别增加26个、7个。", [("arithmetic", "26个"), ("arithmetic", "7个")]),
    # a rough ranking the notes' exact one bears out; 首位 is first
    ("县域医共体建设走在前列。", []),
    ("县域医共体建设绩效考核位居全市首位。", [("rank", "位居全市首位")]),
    # a change after a figure of another row's unit is not that row's (新增32家村卫生室 after AED 96台)
    ("全年新增配置AED 96台，新增32家村卫生室配齐心电图机。", []),
])
def test_a_bureau_of_services(services, said, found):
    assert kinds(f for f in check(said, services) if f.kind != "pending") == found


def test_a_bare_figure_is_no_rounded_rate_of_a_row_it_never_names(tmp_path):
    """62% rounds 61.8%, the growth of 累计办件: a figure of something else said by chance, unless it names the row."""
    table = _own_table(tmp_path / "数据资源局.yaml", """org: 示例县数据资源管理局
year: 2026
facts:
  - {indicator: “一件事”累计办件, value: 61237, unit: 件, prior: 37856}
""")
    assert kinds(check("申请材料平均精简62%，群众跑动次数明显减少。", table)) == [("unverified_number", "62%")]
    assert kinds(check("“一件事”累计办件61237件，同比增长61.8%。", table)) == []


@pytest.fixture
def federation(tmp_path):
    """A county-level federation whose notes name its prefecture's figures (九江市…, 六安市…) beside its own."""
    return _own_table(tmp_path / "残疾人联合会.yaml", """org: 庐山市残疾人联合会
year: 2025
facts:
  - {indicator: 困难重度残疾人家庭无障碍改造, value: 150, unit: 户, prior: 120, target: 140, next_target: 160}
  - {indicator: 城乡居民基本医保参保, value: 52.36, unit: 万人, target: 53.5}
  - {indicator: 职工基本医保参保, value: 3.42, unit: 万人}
  - {indicator: 组织党员学习, value: 14, unit: 次, prior: 12}
notes:
  就业与无障碍:
    - 完成困难重度残疾人家庭无障碍改造150户，超额完成140户的年度目标
    - 九江市全年完成困难重度残疾人家庭无障碍改造1860户
    - 《庐山市困难重度残疾人家庭无障碍改造实施细则》已报九江市残联备案，尚未实施
""")


@pytest.mark.parametrize("said, found", [
    # a note that opens with another place (九江市) gives a comparison figure, said as that place's or not at all
    ("九江市全年完成困难重度残疾人家庭无障碍改造1860户，我市完成150户。", []),
    ("全年完成困难重度残疾人家庭无障碍改造1860户。", [("context_as_local", "1860户")]),
    ("走访慰问困难残疾人上千户。", [("unverified_number", "上千户")]),  # not borne out by 九江市's 1860户
    ("残疾人证新办平均办结时限压缩到5个工作日。", [("unverified_number", "5个工作日")]),  # a duration, not 5个
    # a total its parts after 其中 add up to; a target called met (完成了…的年度任务) that the figure misses
    ("全县基本医保参保共55.78万人，其中城乡居民基本医保参保52.36万人、职工基本医保参保3.42万人。", []),
    ("全县基本医保参保共56.78万人，其中城乡居民基本医保参保52.36万人、职工基本医保参保3.42万人。",
     [("unverified_number", "56.78万人")]),
    ("城乡居民基本医保参保52.36万人，圆满完成了53.5万人的年度参保任务。",
     [("conflict", "完成了53.5万人的年度参保任务")]),
    # a row named with a word put in (组织党员集中学习 of 组织党员学习)
    ("全年组织党员集中学习14次。", []),
    ("全年组织党员集中学习12次。", [("wrong_year", "12次")]),
    # the step a note says is not yet taken (尚未实施), said as taken
    ("《庐山市困难重度残疾人家庭无障碍改造实施细则》已全面落地实施。",
     [("plan_as_done", "《庐山市困难重度残疾人家庭无障碍改造实施细则》已全面落地实施")]),
])
def test_a_federation_beside_its_prefecture(federation, said, found):
    assert kinds(check(said, federation)) == found


def test_a_plan_states_this_years_figure_as_its_base(federation):
    """工作计划: 在今年完成…150户的基础上 is this year's value, said as such; 160户 is next year's target."""
    said = "在今年完成困难重度残疾人家庭无障碍改造150户的基础上，计划完成困难重度残疾人家庭无障碍改造160户。"
    assert kinds(check(said, federation, future=True)) == []
    assert kinds(check("计划完成困难重度残疾人家庭无障碍改造150户。", federation, future=True)) != []


@pytest.fixture
def machinery(tmp_path):
    """A county's farm machinery office: counts of machines and of inspections (台, 台次), plans with 预计."""
    return _own_table(tmp_path / "农机.yaml", """org: 示例县农业机械化服务中心
year: 2025
facts:
  - {indicator: 联合收割机, value: 962, unit: 台, prior: 975}
  - {indicator: 拖拉机和联合收割机年检, value: 1835, unit: 台次, prior: 1712}
  - {indicator: 新建区域农事服务中心, value: 6, unit: 个, prior: 4, target: 5, next_target: 8}
  - {indicator: 协助签约外资项目, value: 7, unit: 个, prior: 5, target: 9, next_target: 10}
  - {indicator: 党组理论学习中心组集中学习, value: 11, unit: 次, prior: 9}
  - {indicator: 党组理论学习中心组专题研讨, value: 10, unit: 次, prior: 8}
notes:
  社会化服务:
    - 新建区域农事服务中心6个，超额完成5个的年度目标
    - 县智能育秧中心（二期）正在建设，预计2026年春播前投入使用
    - 协助签约外资项目7个，未完成9个的年度目标
  2026年工作计划:
    - 新建区域农事服务中心8个
    - 协助签约外资项目10个
""")


@pytest.mark.parametrize("said, found", [
    # 台次 is a unit of its own: the inspections' row, not the machines'
    ("全年年检拖拉机、联合收割机1835台次，比上年增加123台次、增长7.2%。", []),
    # a change from last year naming nothing is the change of the figure it follows
    ("联合收割机962台，因老旧机具报废更新比上年减少13台。", []),
    ("联合收割机962台，因老旧机具报废更新比上年减少15台。", [("arithmetic", "15台")]),
    # 完成率仅为…; a rate is no share of next year's planned 10
    ("协助签约外资项目完成率仅为77.8%。", []),
    ("协助签约外资项目7个，完成率仅为70.0%。", [("arithmetic", "70.0%")]),
    # a row named by its first two characters and its own end, eight characters apart
    ("党组中心组全年开展集中学习9次。", [("wrong_year", "9次")]),
    # a target met is the table's to judge, not a plan of next year reached; 预计…投入使用 is a plan
    ("区域农事服务中心建设超额完成任务，全年新建6个。", []),
    ("县智能育秧中心（二期）已建成投入使用。", [("plan_as_done", "县智能育秧中心（二期）已建成投入使用")]),
])
def test_a_farm_machinery_office(machinery, said, found):
    assert kinds(check(said, machinery)) == found


def test_a_street_office_serves_its_street_and_the_county_is_another(tmp_path):
    """A 街道办事处's own figures are 全街道's; 全县 is the county's, a comparison (安吉县昌硕街道办事处)."""
    from drafter.numbers.facts import area

    assert area("安吉县昌硕街道办事处") == "全街道" and area("安吉县科学技术局") == "全县"
    table = _own_table(tmp_path / "街道.yaml", """org: 安吉县昌硕街道办事处
year: 2023
facts:
  - {indicator: 规上工业企业, value: 42, unit: 家, prior: 38}
notes:
  经济发展:
    - 全县规上工业企业共有356家
""")
    assert kinds(check("全县规上工业企业356家，全街道规上工业企业42家。", table)) == []
    assert kinds(check("全街道规上工业企业356家。", table)) != []


def test_a_port_office_counts_vehicle_trips_lists_its_plan_and_takes_one_step_at_a_time(tmp_path):
    """辆次 is a unit (货车出入境562.38万辆次); 三件事：一是… counts the text's own list; a step done (完成初步设计) does
    not make the next one (开工) done too."""
    table = _own_table(tmp_path / "口岸办.yaml", """org: 深圳市人民政府口岸办公室
year: 2022
facts:
  - {indicator: 货车出入境, value: 562.38, unit: 万辆次, prior: 544.97}
notes:
  口岸建设:
    - 沙头角口岸重建工程已完成初步设计，拟于2023年开工
""")
    assert kinds(check("货车出入境562.38万辆次，增加17.41万辆次。", table)) == []
    assert kinds(check("2023年将重点抓好三件事：一是扩容组合港；二是推动口岸重建；三是深化“单一窗口”建设。", table)) == []
    assert kinds(check("沙头角口岸重建工程已完成初步设计。", table)) == []
    assert kinds(check("沙头角口岸重建工程完成初步设计后已于年内开工建设。", table)) == [
        ("plan_as_done", "沙头角口岸重建工程完成初步设计后已于年内开工建设")]


def test_a_sports_bureau_its_targets_met_or_not_and_its_prefecture(tmp_path):
    """项次 is a unit; 完成年度培训任务 of a row short of its target, 距离…目标仍有差距 of one past it: conflicts; a note
    opening 襄阳全市… is the prefecture's figure (老河口市 is a county-level city under 襄阳)."""
    table = _own_table(tmp_path / "体育局.yaml", """org: 老河口市体育局
year: 2023
facts:
  - {indicator: 市级以上赛事活动, value: 42, unit: 项次, prior: 35}
  - {indicator: 培训社会体育指导员, value: 1850, unit: 人, target: 2000}
  - {indicator: 群众性体育赛事活动, value: 3260, unit: 场次, target: 3000}
  - {indicator: 体育产业总产值, value: 86.7, unit: 亿元}
notes:
  体育产业:
    - 襄阳全市体育产业总产值1286亿元
""")
    assert kinds(check("全年举办市级以上赛事活动42项次，较上年增加7项次，增长20.0%。", table)) == []
    assert kinds(check("全年培训社会体育指导员1850人，圆满完成年度培训任务。", table)) == [
        ("conflict", "完成年度培训任务")]
    assert kinds(check("全年举办群众性体育赛事活动3260场次，但距离3000场次的年度目标仍有差距。", table)) == [
        ("conflict", "距离3000场次的年度目标仍有差距")]
    assert kinds(check("全市体育产业总产值1286亿元。", table)) == [("context_as_local", "1286亿元")]
    assert kinds(check("襄阳全市体育产业总产值1286亿元，我市86.7亿元。", table)) == []


def test_a_street_offices_ranking_and_a_target_called_missed(tmp_path):
    """在全区…年度综合考评中居第3位 is the notes' 居全区…第3位; 离年度目标尚有差距 of a row past its target is a conflict."""
    table = _own_table(tmp_path / "东柳.yaml", """org: 宁波市鄞州区东柳街道办事处
year: 2024
facts:
  - {indicator: 引进亿元以上重大项目, value: 6, unit: 个, target: 5}
notes:
  总体情况:
    - 街道年度综合考评居全区镇乡（街道）第3位
""")
    assert kinds(check("街道在全区镇乡（街道）年度综合考评中居第3位。", table)) == []
    assert kinds(check("街道在全区镇乡（街道）年度综合考评中居第2位。", table)) == [("rank", "居第2位")]
    assert kinds(check("全年引进亿元以上重大项目6个，但离年度目标尚有差距。", table)) == [("conflict", "离年度目标尚有差距")]


def test_a_step_still_to_come_is_no_step_taken(tmp_path):
    """待审核后提请印发 says what is still to come (待), not that it was issued."""
    table = _own_table(tmp_path / "妇联.yaml", """org: 金湖县妇女联合会
year: 2024
facts:
  - {indicator: 受理维权信访, value: 236, unit: 件}
notes:
  维权关爱:
    - 《金湖县反家庭暴力联动工作办法》修订稿已报县司法局审核，尚未印发
""")
    assert kinds(check("《金湖县反家庭暴力联动工作办法》修订稿已报县司法局审核，待审核后提请印发。", table)) == []
    assert kinds(check("《金湖县反家庭暴力联动工作办法》已正式印发。", table)) == [
        ("plan_as_done", "《金湖县反家庭暴力联动工作办法》已正式印发")]


def test_a_plan_says_built_of_next_year(office):
    assert kinds(check("2025年，建成县级统计数据共享平台。", office, future=True)) == []


def test_last_years_values_given_respectively_and_the_years_place_are_no_findings(table):
    """上年分别为8.52亿元、1.96% are last year's values of the two rows before (their year's still to come); 2024年是
    实现“十四五”规划目标任务的关键一年 is how every document of the year places it, not copied from the bureau's."""
    from drafter.numbers.checks import PastTexts, copied_findings

    said = "全社会研发投入、研发经费投入强度待统计部门确认，上年分别为8.52亿元、1.96%。"
    assert [f for f in check(said, table) if f.kind != "pending"] == []
    assert kinds(check("全社会研发投入8.52亿元。", table)) == [("wrong_year", "8.52亿元")]
    past = PastTexts([("2023.md", "2024年是实现“十四五”规划目标任务的关键一年。全县科技工作要紧扣高质量发展。")])
    assert copied_findings("2024年是实现“十四五”规划目标任务的关键一年。我局将持续发力。", past, 20, table) == []


def test_a_value_that_arrives_fills_its_marker_once_with_its_unit(table):
    """A model that wrote the unit after the marker (…（亿元）】亿元, so the sentence reads) gets the value once:
    8.80亿元, never 8.80亿元亿元."""
    from dataclasses import replace as swap

    from drafter.numbers.patch import patch

    row = table.find("全社会研发投入")
    filled = swap(table, facts=tuple(swap(f, value=8.8) if f is row else f for f in table.facts))
    said = "全社会研发投入【待核实：2024年全社会研发投入（亿元）】亿元，研发投入持续加大。"
    assert patch(said, table, filled).text == "全社会研发投入8.80亿元，研发投入持续加大。"


def test_the_prompts_own_marks_in_an_answer_are_scaffolding():
    """A small model copied the past summaries' masks and a rule's gloss into its text (全年完成技术合同成交额〔N]万元，
    其中高新技术企业（不简称“高企”）…): each is a finding, and the section is retried; a document number is not."""
    from drafter.numbers.checks import placeholder_findings

    said = "全年完成技术合同成交额〔N]万元，其中高新技术企业（不简称“高企”）签订，〔某企业〕牵头，依据县政〔2024〕3号。"
    assert kinds(placeholder_findings(said)) == [("scaffolding", "〔N]"), ("scaffolding", "（不简称“高企”）"),
                                                 ("scaffolding", "〔某企业〕")]


def test_a_clause_written_twice_in_a_section_is_a_finding():
    from drafter.numbers.checks import repeated_findings

    said = "四是加强与高校、科研机构的交流合作，深化产学研合作。五是开展服务包配置。六是加强与高校、科研机构的交流合作，深化产学研合作。"
    assert kinds(repeated_findings(said)) == [("repeated", "六是加强与高校、科研机构的交流合作")]
    assert repeated_findings("一是深化产学研合作。二是深化产学研合作。") == []  # under twelve characters: a phrase, not a clause


@pytest.mark.parametrize("said, found", [
    # the outflow word is the number's it stands by, not the net change after it
    ("新认定高企16家，剔除资格期满未通过重新认定的3家后净增13家，总数达到98家。", []),
    ("新认定高企16家，剔除资格期满未通过重新认定的4家后净增13家，总数达到98家。", [("arithmetic", "4家")]),
    # a target passed (突破), or the target the year's figure exceeded (超额完成95家的年度任务), is no actual
    ("技术合同成交额5.30亿元，首次突破5亿元。", []),
    ("技术合同成交额5.30亿元，首次突破6亿元。", [("qualifier", "6亿元")]),
    ("全县技术合同成交额5亿元，同比增长14.7%。", [("target_as_actual", "5亿元")]),
    ("全县高企总数98家，超额完成95家的年度任务。", []),
    # last year's figure, the growth and the rate after a total are the total's, a net change named before them
    ("全县高新技术企业净增13家，总数达到98家，上年为85家，同比增长15.3%，完成年度目标的103.2%。", []),
    ("全县高新技术企业总数达到98家，净增13家，同比增长15.3%，完成年度目标的103.2%。", []),
    # …unless the words name the total after the figure (新认定16家，全县高新技术企业总数由上年的85家增至98家)
    ("全年新认定高新技术企业16家，全县高新技术企业总数由上年的85家增至98家。", []),
    # 新增 − 减少 ≠ 净增 where the 净增 is itself wrong: one finding, on the wrong figure
    ("全年新认定高新技术企业16家，3家期满未通过重新认定，净增14家。", [("unverified_number", "14家")]),
])
def test_what_the_words_around_a_figure_make_of_it(table, said, found):
    assert kinds(f for f in check(said, table) if f.kind != "pending") == found
