import pytest

from conftest import FACTS, write
from drafter.drafting.outlines import load_outline, plan
from drafter.numbers.facts import FactsError, FactsInput, build_table, derive, fmt, read_facts, read_notes
from drafter.stores.ledger import Ledger

ORG = "示例县科学技术局"


def _planned(settings):
    return plan(load_outline("kjj_annual", settings.prompts_dir), org=ORG, year=2024)


def test_last_years_plan_sets_this_years_targets_unless_the_writer_gives_one(sampled):
    """The 2023 summary's 工作打算 (开展产学研合作项目55项以上, 全年发放科技贷5亿元以上 …) become the 2024 targets, so
    完成率 is computed by code; a target for what is new (新增省级以上研发机构3家) is not the total's."""
    given = read_facts(FACTS)
    table = build_table(_planned(sampled), given, org=ORG, year=2024, period="annual", ledger=Ledger(sampled.catalog_path))
    projects, loans = table.find("产学研合作项目"), table.find("科技贷款")
    assert (projects.target, projects.get("完成率").text) == (55, "105.5") and "55项以上" in projects.target_source
    assert (loans.target, loans.get("完成率").text) == (5, "112.0") and "2023年工作总结" in loans.target_source
    assert table.find("省级以上研发机构").target is None
    total = table.find("高新技术企业总数")  # the writer's own target stays, with no plan source
    assert total.target == 95 and total.target_source is None
    own = FactsInput(ORG, 2024, "annual", tuple({**r, "target": 60} if r["indicator"] == "产学研合作项目" else r
                                                for r in given.rows))
    mine = build_table(_planned(sampled), own, org=ORG, year=2024, period="annual", ledger=Ledger(sampled.catalog_path))
    assert mine.find("产学研合作项目").target == 60 and mine.find("产学研合作项目").target_source is None
    assert any(line.startswith("产学研合作项目：数据表中的目标60项与去年工作打算") for line in mine.report)  # told
    assert not any("与去年工作打算" in line for line in table.report)  # 高企 95 is the plan's own 95
    h1 = build_table(_planned(sampled), given, org=ORG, year=2024, period="H1", ledger=Ledger(sampled.catalog_path))
    assert h1.find("产学研合作项目").target is None  # a half-year is not measured against the year's target


def test_rounding_follows_gongwen_rules():
    assert fmt(5.3, "亿元") == "5.30"
    assert fmt(15.25, "%", 1) == "15.3"  # half up, not to even
    assert fmt(98.0, "家") == "98"
    assert fmt(1.96, "%") == "1.96"
    derived = {d.name: d for d in derive(98, 85, 95, "家")}
    assert (derived["增量"].text, derived["同比增长"].text, derived["完成率"].text) == ("13", "15.3", "103.2")
    assert {d.name: d.text for d in derive(5.3, 4.62, 5, "亿元")} == {"增量": "0.68", "同比增长": "14.7", "完成率": "106.0"}
    points = derive(1.9, 1.96, None, "%")
    assert [(d.name, d.value, d.text, d.unit) for d in points] == [("提高", -0.06, "0.06", "个百分点")]
    assert derive(None, 85, 95, "家") == ()


def test_table_takes_prior_year_values_from_the_ledger_with_their_source(sampled):
    given = read_facts(FACTS)
    table = build_table(_planned(sampled), given, org=ORG, year=2024, period="annual", ledger=Ledger(sampled.catalog_path))
    total = table.find("高新技术企业总数")
    assert (total.value, total.prior, total.target, total.section) == (98, 85, 95, "enterprises")
    assert "2023年工作总结" in total.prior_source and "85家" in total.prior_source
    assert table.find("省级以上研发机构").prior == 32  # stated as 累计达到32家, next to 全年新增4家
    assert table.find("科技贷款").prior == 4.7
    # left empty by the writer: stays missing, reported, never invented
    rd = table.find("全社会研发投入")
    assert rd.value is None and rd.listed and rd.prior == 8.52 and rd.derived == ()
    assert any("全社会研发投入" in line and "待核实" in line for line in table.report)
    assert table.notes["enterprises"][0].startswith("印发高企培育三年行动方案")
    assert "problems" in table.notes and "plan" in table.notes


def test_half_year_draft_takes_no_annual_prior(sampled):
    table = build_table(plan(load_outline("kjj_h1", sampled.prompts_dir), org=ORG, year=2024),
                        FactsInput(rows=({"indicator": "高新技术企业总数", "value": 90.0, "unit": "家", "target": None,
                                          "next_target": None, "prior": None, "section": None},)),
                        org=ORG, year=2024, period="H1", ledger=Ledger(sampled.catalog_path))
    assert table.find("高新技术企业总数").prior is None


def test_csv_facts_with_a_typed_prior_and_an_alias(tmp_path, sampled):
    path = write(tmp_path / "facts.csv", "indicator,value,unit,target,prior\n高企数量,98,家,95,80\n科普讲座,12,场,,\n")
    table = build_table(_planned(sampled), read_facts(path), org=ORG, year=2024, period="annual",
                        ledger=Ledger(sampled.catalog_path))
    total = table.find("高新技术企业总数")
    assert (total.prior, total.prior_source) == (80, "填写")
    assert total.get("同比增长").text == "22.5"
    custom = table.find("科普讲座")
    assert custom.value == 12 and custom.section == "indicators"
    assert any("高企数量" in line for line in table.report)


@pytest.mark.parametrize("text, message", [
    ("indicator,value,unit\n高企,九十八,家\n", "facts.csv 第2行：本年值“九十八”不是数字"),
    ("value,unit\n98,家\n", "第一行应是列名"),
    ("indicator,value,units\n高企,98,家\n", "不认识的列 units"),
    ("indicator,value,unit\n高企,98,家\n高企,99,家\n", "第3行：指标“高企”重复出现"),
    ("indicator,value,unit\n高企,nan,家\n", "第2行：本年值“nan”不是合理的数值"),
    ("indicator,value,unit\n高企,1e30,家\n", "不是合理的数值"),
])
def test_bad_csv_facts_name_the_row_and_the_fix(tmp_path, text, message):
    with pytest.raises(FactsError, match=message):
        read_facts(write(tmp_path / "facts.csv", text))


def test_bad_yaml_facts_name_the_file(tmp_path):
    with pytest.raises(FactsError, match="facts.yaml 第.*行"):
        read_facts(write(tmp_path / "facts.yaml", "org: x\nfacts: [\n"))
    with pytest.raises(FactsError, match="期间应为 annual（全年）或 h1（上半年）"):
        read_facts(write(tmp_path / "p.yaml", "org: x\nperiod: 全年度汇总\n"))


def test_notes_from_markdown_headings(tmp_path, sampled):
    path = write(tmp_path / "notes.md", "# 科技企业培育\n- 开展高企申报辅导\n1. 兑现奖补资金\n\n# 科技人才\n一是引进博士5名\n# 杂项\n- 新建院士工作站1家\n")
    notes = read_notes(path)
    assert notes == {"科技企业培育": ("开展高企申报辅导", "兑现奖补资金"), "科技人才": ("引进博士5名",), "杂项": ("新建院士工作站1家",)}
    table = build_table(_planned(sampled), FactsInput(), org=ORG, year=2024, period="annual", ledger=None,
                        extra_notes=notes)
    assert table.notes["enterprises"] == ("开展高企申报辅导", "兑现奖补资金")
    assert table.notes["talent"] == ("引进博士5名",)
    assert any("杂项" in line for line in table.report)  # placed somewhere and said so, never dropped
    assert sum(len(v) for v in table.notes.values()) == 4
