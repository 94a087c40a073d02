
import pytest

from drafter.config import Settings
from drafter.drafting.outlines import OutlineError, cn_ordinal, load_outline, plan

PROMPTS = Settings().prompts_dir


def test_default_outline_numbers_sections_and_renders_years():
    spec = load_outline("kjj_annual", PROMPTS)
    headings = [p.heading for p in plan(spec, org="示例县科学技术局", year=2024) if p.heading]
    assert headings[0] == "一、2024年主要工作及成效"
    assert headings[1] == "（一）主要科技创新指标完成情况"
    assert headings[-2:] == ["二、存在的问题和不足", "三、2025年工作打算"]
    assert spec.title.format(org="示例县科学技术局", year=2024, next_year=2025) == "示例县科学技术局2024年工作总结和2025年工作打算"


def test_switching_a_section_off_renumbers_the_rest():
    spec = load_outline("kjj_annual", PROMPTS)
    planned = plan(spec, org="示例县科学技术局", year=2024, skip=("indicators", "rural_outreach"))
    level2 = [p.heading for p in planned if p.spec.level == 2]
    assert level2[0] == "（一）科技企业培育"
    assert level2[-1] == "（六）党建与机关自身建设"
    with pytest.raises(OutlineError, match="没有章节 nosuch"):
        plan(spec, org="x", year=2024, skip=("nosuch",))


def test_half_year_variant():
    spec = load_outline("kjj_h1", PROMPTS)
    planned = plan(spec, org="示例县科学技术局", year=2024)
    assert spec.period == "H1"
    assert [p.heading for p in planned if p.spec.level == 1] == ["一、上半年主要工作及成效", "二、存在的问题和不足", "三、下半年工作打算"]


@pytest.mark.parametrize("body, where", [
    ("  - id: x\n    heading: 测试\n    level: 7\n    kind: body\n", "第8行，字段 sections.0.level"),
    ("  - id: x\n    heading: 测试\n    level: 1\n    kind: body\n    indicator: [高企]\n", "第10行，字段 sections.0.indicator"),
    ("  - id: x\n    heading: '{yaer}年'\n    level: 1\n    kind: body\n", "第7行，字段 sections.0.heading"),
    ("  - id: x\n    heading: 测试\n    level: 1\n    kind: synthesis\n", "第6行，字段 sections"),
    ("  - id: x\n    heading: [unclosed\n", "第7行"),
])
def test_malformed_outline_names_file_line_and_field(tmp_path, body, where):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nlabel: 我的提纲\nperiod: annual\ntitle: '{org}{year}年工作总结'\nsections:\n" + body, "utf-8")
    with pytest.raises(OutlineError) as e:
        load_outline(path, PROMPTS)
    assert str(path) in str(e.value) and where in str(e.value)


def test_a_user_outline_file_is_loaded_by_path(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text("name: short\nlabel: 简版\nperiod: annual\ntitle: '{org}{year}年工作总结'\nsections:\n"
                    "  - {id: work, heading: 主要工作, level: 1, kind: body, points: 2}\n", "utf-8")
    planned = plan(load_outline(path, PROMPTS), org="某县科技局", year=2024)
    assert [p.heading for p in planned] == ["一、主要工作"]


def test_unknown_outline_lists_the_available_ones():
    with pytest.raises(OutlineError, match="kjj_annual"):
        load_outline("nosuch", PROMPTS)


def test_chinese_ordinals():
    assert [cn_ordinal(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]


def test_an_outline_with_a_base_is_that_outline_with_its_own_fields(tmp_path):
    prompts = Settings().prompts_dir
    annual, h1 = load_outline("kjj_annual", prompts), load_outline("kjj_h1", prompts)
    assert [s.id for s in h1.sections] == [s.id for s in annual.sections] and h1.period == "H1"
    assert next(s for s in h1.sections if s.id == "plan").heading == "下半年工作打算"
    assert next(s for s in h1.sections if s.id == "enterprises").indicators == \
        next(s for s in annual.sections if s.id == "enterprises").indicators  # the rest comes from the base
    (tmp_path / "outlines").mkdir()
    (tmp_path / "outlines" / "kjj_annual.yaml").write_text((prompts / "outlines" / "kjj_annual.yaml").read_text("utf-8"), "utf-8")
    (tmp_path / "outlines" / "mine.yaml").write_text("base: kjj_annual\nname: mine\nsections:\n  nosuch: {length: 1}\n", "utf-8")
    with pytest.raises(OutlineError, match="nosuch"):
        load_outline("mine", tmp_path)
