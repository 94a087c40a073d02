"""Figure extraction: what is a figure, its value, unit, kind, scope, qualifier, and what is not."""

import pytest

from drafter.ingest.headings import parse_outline
from drafter.models import DocMeta
from drafter.numbers.figures import canonical, cn_number, extract_figures

META = DocMeta(org="海安市科学技术局", year=2019, period="annual", title="2019年科技工作总结")


def _figures(text: str, meta: DocMeta = META):
    return extract_figures(text, parse_outline(text), meta)


def _one(text: str):
    figures = _figures(text)
    assert len(figures) == 1, figures
    return figures[0]


def test_total_and_new_become_canonical_indicators():
    figures = _figures("全年新增高新技术企业28家,总数达132家。")
    assert [(f.indicator, f.value, f.unit, f.kind, f.period) for f in figures] == [
        ("新增高新技术企业", 28, "家", "actual", "2019"), ("高新技术企业总数", 132, "家", "actual", "2019")]


def test_growth_rate_and_its_indicator():
    figures = _figures("发明专利申请量达1125件,同比增长119.3%。")
    assert [(f.indicator, f.value, f.unit, f.kind) for f in figures] == [
        ("发明专利申请量", 1125, "件", "actual"), ("发明专利申请量增长率", 119.3, "%", "growth")]


@pytest.mark.parametrize("text", [
    "出台管理办法(瑞政办(2023)60号),规范资金使用。",
    "落实“科技创新40条”“科技改革30条”。",
    "被评为第31届科普宣传周先进集体。",
    "4月2日召开动员大会,2019年全国科普日活动。",
    "全年实施10万元以上项目。",
    "围绕八倍增、两提高目标,做好四个方面的工作。",
])
def test_dates_document_numbers_editions_and_policy_names_are_not_figures(text):
    assert _figures(text) == []


def test_context_figures_are_never_local():
    figures = _figures("获批省企业重点实验室,全省共11家(占南通1/3)。省科技成果转化项目立项1项,南通共6项。")
    assert [(f.value, f.unit, f.scope) for f in figures] == [
        (11, "家", "context"), (0.3333, "比例", "local"), (1, "项", "local"), (6, "项", "context")]


def test_own_area_totals_stay_local():
    assert _one("全市共有高新技术企业269家。").scope == "local"


def test_qualifiers_ranges_and_each():
    assert _one("向上争取资金超过5000万元。").qualifier == "超过"
    assert _one("全年发放科技政策手册2000余份。").qualifier == "余"
    ranged = _one("申报省级科技型中小企业120-125家。")
    assert (ranged.value, ranged.value_high) == (120, 125)
    assert [f.value for f in _figures("竞争项目、重点项目课题各1项。")] == [1, 1]


def test_plan_section_figures_are_targets_for_next_year():
    text = "一、2019年工作成效\n高企总数达269家。\n二、2020年工作打算\n高企总数力争超过330家。"
    figures = _figures(text)
    assert [(f.value, f.kind, f.period, f.qualifier) for f in figures] == [
        (269, "actual", "2019", None), (330, "target", "2020", "力争超过")]


def test_rankings_become_rank_figures():
    figures = _figures("科技进步综合评价位居全省第6,温州地区第2,均创历史最好成绩。")
    assert [(f.value, f.unit) for f in figures] == [(6, "位次"), (2, "位次")]


def test_chinese_numerals_and_bare_wan():
    assert (_one("指导两个社区创建示范社区。").value, _one("参与人次达15万。").unit) == (2, "万人次")


def test_scraper_years_glued_into_numbers_are_kept_but_suspect():
    glued = _one("技术市场实现交易额25832023万元。")
    assert (glued.value, glued.suspect) == (25832023, True)
    assert _one("2023家企业重新申请认定。").suspect
    assert not _one("技术合同成交额4.62亿元。").suspect


def test_half_year_period_label():
    meta = DocMeta(org=None, year=2017, period="H1", title=None)
    assert _figures("上半年完成专利授权8项。", meta)[0].period == "H1 2017"


def test_canonical_needs_alias_plus_filler_only():
    assert canonical("全年技术合同成交额").name == "技术合同成交额"
    assert canonical("创造专利授权量").name == "发明专利授权量"
    assert canonical("通过复审高新技术企业") is None


def test_cn_number():
    assert [cn_number(t) for t in ("两", "十", "二十三", "一百零五", "1,200")] == [2, 10, 23, 105, 1200]


def test_wan_with_yu_fractions_averages_and_completion_rates():
    assert (_one("发放宣传资料1.2万余份。").unit, _one("发放宣传资料1.2万余份。").qualifier) == ("万份", "余")
    third = _one("全县科技人才较2020年增长了近三分之一。")
    assert (third.value, third.kind, third.qualifier) == (0.3333, "growth", "近")
    assert _one("研发投入强度低于全省平均水平(2.2%)。").scope == "context"
    assert [f.kind for f in _figures("完成市下达目标任务(40家)的120%。") if f.unit == "%"] == ["actual"]
    assert _one("技术合同交易额是上年的2.1倍。").kind == "growth"


@pytest.mark.parametrize("text", ["严格落实中央八项规定精神。", "年销售收入超过2000万元的企业开展研发。", "研发投入前20名企业。"])
def test_structural_counts_thresholds_and_rank_groups_are_not_figures(text):
    assert _figures(text) == []
