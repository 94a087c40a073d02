"""Any bureau drafts under its own outline: real public summaries of a 城市管理和综合执法局, a 气象局, a 统计局 and a
水利局 (openings as published, tests/fixtures/bureaus/README.md) are ingested; a new draft takes the bureau's last
outline, its ledger's figures become this year's rows with last year's values, and it drafts, checks and exports."""

import pytest

from conftest import ROOT
from drafter.config import Settings
from drafter.ingest.pipeline import ingest
from drafter.session import Desk

BUREAUS = ROOT / "tests" / "fixtures" / "bureaus"
CITY = "深圳市城市管理和综合执法局"


@pytest.fixture(scope="module")
def bureaus(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("bureaus")
    settings = Settings(corpus_dir=BUREAUS, index_dir=root / "index", workspace=root / "ws", embedding="hash")
    report = ingest(settings)
    assert not report.skipped
    return settings


@pytest.fixture
def desk(bureaus, tmp_path) -> Desk:
    return Desk(bureaus.model_copy(update={"workspace": tmp_path / "ws"}), offline_model=True)


def test_each_bureau_is_read_by_its_own_name_and_year(bureaus):
    from drafter.stores.ledger import Ledger

    with Ledger(bureaus.catalog_path) as ledger:
        docs = {(d["org"], d["year"]) for d in ledger.documents()}
    assert docs == {(CITY, 2020), (CITY, 2021), ("内蒙古自治区气象局", 2023), ("内蒙古自治区气象局", 2024),
                    ("衡阳县水利局", 2023), ("长治市上党区统计局", 2020), ("衡南县农业农村局", 2024), ("武汉市生态环境局", 2025),
                    ("中山市人力资源和社会保障局", 2024), ("辰溪县文化旅游广电体育局", 2024),
                    ("海丰县应急管理局", 2022), ("舟山市交通运输局", 2024), ("临武县民政局", 2024),
                    ("中山市市场监督管理局", 2024), ("天台县卫生健康局", 2024), ("青田县教育局", 2024),
                    ("潜江市自然资源和城乡建设局", 2025), ("鄂尔多斯市司法局", 2024), ("温州市机关事务管理局", 2019),
                    ("沅陵县林业局", 2025), ("中山市审计局", 2024), ("怀远县退役军人事务局", 2023), ("淮北市乡村振兴局", 2023),
                    ("涡阳县数据资源管理局", 2025), ("泉州市民族与宗教事务局", 2023), ("荆州市沙市区档案馆", 2023),
                    ("广州市水务局", 2024), ("岳阳市云溪区行政审批服务局", 2023), ("庐山市残疾人联合会", 2024),
                    ("金寨县医疗保障局", 2024), ("阿坝州防震减灾局", 2023), ("六安市叶集区融媒体中心", 2023),
                    ("景德镇市人民政府外事办公室", 2023), ("宁波国家高新区管理委员会", 2008), ("安吉县昌硕街道办事处", 2022),
                    ("深圳市人民政府口岸办公室", 2021), ("杭州市钱塘区白杨街道办事处", 2022), ("桐乡经济开发区管理委员会", 2023),
                    ("济南市槐荫区中大槐树街道办事处", 2022), ("临沂市体育局", 2022), ("老河口市住房和城乡建设局", 2022),
                    ("舟山市人民防空办公室", 2022), ("宁波市鄞州区东柳街道办事处", 2023), ("滁州市南谯区投资促进局", 2022),
                    ("松阳县斋坛乡人民政府", 2022), ("金湖县妇女联合会", 2023), ("鄂州市鄂城区西山街道办事处", 2023),
                    ("无锡市新吴区新安街道办事处", 2025),
                    ("淮南市谢家集区孙庙乡人民政府", 2025),  # its 2025年政府工作报告, which looks back on 2024
                    (None, 2024)}  # 舒城县农机部门 names no bureau (its page says 县农机部门): no name is made up for it


@pytest.mark.parametrize("org, year, headings", [
    (CITY, 2022, ["一、2022年工作总结", "（一）环境卫生治理能力持续提升", "（二）园林绿化精细管理全面加强",
                  "（三）市容环境综合提升更具特色"]),
    ("内蒙古自治区气象局", 2025, ["一、2025年工作回顾", "（一）强化党建领航，政治机关意识更加坚定"]),
    ("长治市上党区统计局", 2021, ["一、主要指标完成情况", "二、2021年工作完成情况", "（一）精心筹划，做好第七次人口普查"]),
    ("衡阳县水利局", 2024, ["一、2024年工作总结", "（一）争项争资持续发力", "（二）新增国债投资推动水利建设新篇章",
                          "（三）防汛抗旱全面告捷"]),
])
def test_a_new_draft_takes_the_bureaus_own_outline(desk, org, year, headings):
    session = desk.create(org, year)
    assert [p.heading for p in session.planned() if p.heading] == headings  # no 科技局 section, nothing else
    assert any("本局往年总结" in n for n in session.notices)  # and the writer is told to review it
    assert desk.create("示例县科学技术局", 2024).spec.name == "kjj_annual"  # a 科技局 keeps the shipped outline
    assert desk.quick(org=org, year=year).spec.name == "general_annual_house"  # `drafter draft` takes it too


def test_every_bureau_of_the_fixtures_drafts_under_its_own_outline(bureaus, desk):
    """A draft for the year after each real summary, whatever its shape (中山市审计局's has no opening paragraph):
    created under the bureau's own outline, drafted offline."""
    from drafter.session.inputs import past_outline
    from drafter.stores.ledger import Ledger

    with Ledger(bureaus.catalog_path) as ledger:
        latest = {}
        for d in ledger.documents():
            if d["org"]:
                latest[d["org"]] = max(latest.get(d["org"], 0), d["year"])
    assert len(latest) >= 30
    for org, year in sorted(latest.items()):
        session = desk.create(org, year + 1)  # a 政府工作报告 is no past summary: the general outline then
        own = past_outline(bureaus, org, year + 1, "annual") is not None
        assert session.spec.name == ("general_annual_house" if own else "general_annual"), org
        report = session.generate()
        assert report.saved and not report.failed, (org, report.warnings)


def test_last_years_figures_become_this_years_rows_and_the_draft_states_them(desk, tmp_path):
    session = desk.create(CITY, 2022)
    rows = {r.indicator: r for r in session.fact_rows(include_empty=True)}
    assert rows["公园总数"].prior == 1238 and rows["公园总数"].unit == "个" and rows["公园总数"].value is None
    assert rows["回收利用率"].prior == 45.5 and "回收利用率达45.5%" in rows["回收利用率"].prior_source
    assert not any(name in rows for name in ("全市", "高新技术企业总数"))  # a bare scope word is no row; no 科技 row
    session.change_facts({"公园总数": {"value": 1260}, "新增公园": {"value": 22}, "回收利用率": {"value": 48.2}})
    report = session.generate()
    assert not report.failed
    text = {s.id: s.version.text for s in session.sections() if s.version}
    assert "1260个" in text["own3"] and "22个" in text["own3"]
    assert "回收利用率" in text["own2"] and "48.2%" in text["own2"]
    assert not [f for _, f in session.check() if f.kind == "unverified_number"]
    out = session.export(tmp_path / "城管局2022年工作总结.docx")
    assert out.exists() and out.stat().st_size > 5000


def test_last_years_parts_of_a_total_are_rows_of_their_own_names(desk):
    """2023年我县全口径水利建设投资9.66亿元,其中中央投资2.69亿元,专项债3.8亿元: each part is a row by its own name,
    the year before the name is no part of it."""
    rows = {r.indicator: r for r in desk.create("衡阳县水利局", 2024).fact_rows(include_empty=True)}
    assert {n: rows[n].prior for n in ("全口径水利建设投资", "中央投资", "专项债")} == \
        {"全口径水利建设投资": 9.66, "中央投资": 2.69, "专项债": 3.8}
    assert not [n for n in rows if n.startswith(("2023年", "中央投资专项债"))]


def test_a_row_kept_in_wan_takes_the_unit_last_year_counted_it_in(desk, tmp_path):
    """种植树木 in 万 (the writer's file) was 10万余株 last year: the row is in 万株, and so is its marker."""
    facts = tmp_path / "城管局2022.yaml"
    facts.write_text(f"org: {CITY}\nyear: 2022\nfacts:\n  - {{indicator: 种植树木, unit: 万}}\n", encoding="utf-8")
    row = desk.quick(facts=facts).table().find("种植树木")
    assert row.unit == "万株" and row.prior == 10


def test_the_draft_keeps_the_bureaus_form(desk, tmp_path):
    """The 城管局 writes no opening, runs each heading into one paragraph (（一）环境卫生治理能力持续提升。龙华…) and
    does not volunteer a fall in a section of results: the draft does the same."""
    from docx import Document

    session = desk.create(CITY, 2022)
    lead = next(p for p in session.spec.sections if p.prompt == "lead")
    assert lead.id not in {p.spec.id for p in session.planned()}  # its summaries go from the title to 一、
    own = {p.spec.id: p.spec for p in session.planned() if p.spec.id.startswith("own") and p.spec.kind == "body"}
    assert own and all(s.run_in and s.points == 0 for s in own.values())
    session.change_facts({"公厕升级改造": {"value": 650}, "回收利用率": {"value": 48.2}})
    engine = session.engine()
    prompt = engine.messages(session.section("own2"))[-1].content
    assert "公厕升级改造：本年650座（" in prompt and "712" not in prompt and "标题与正文接排" in prompt
    assert "比上年提高2.7个百分点" in prompt  # a rise keeps its comparison
    assert not session.generate().failed
    text = next(s.version.text for s in session.sections() if s.id == "own2")
    assert "650座" in text and "712" not in text and "减少" not in text
    word = Document(str(session.export(tmp_path / "城管局.docx")))
    led = [p for p in word.paragraphs if p.text.startswith("（一）环境卫生治理能力持续提升。")]
    assert len(led) == 1 and len(led[0].text) > 40  # the heading and its text, one paragraph
    assert led[0].runs[0].font.name != led[0].runs[-1].font.name  # the heading in its own font


def test_the_checker_reads_a_city_bureaus_own_figures_as_its_own(desk):
    """For a 市 bureau whose name is not a 科技局's, 全市 is its own place (it was read as another place, so a
    province's figure passed as the city's); a note's plan clause is no rival of the year's
    figure; a count that left (两个公园…不再单独计数) is the note's, not the total's; the gap to a target is derived."""
    session = desk.create(CITY, 2022)
    session.change_facts({"新建改造绿道": {"value": 85, "target": 90}, "公园总数": {"value": 1260}})
    session.set_notes("own3", ["全省新建改造绿道1100公里", "甲、乙两个公园合并整合，不再单独计数"])
    session.set_notes("own4", ["建成“三宜”街区18个，计划2023年再建成20个"])

    def kinds(text, sid):
        return [(f.kind, f.text) for f in session.check_text(text, sid) if f.kind != "pending"]

    assert [text for _, text in kinds("全市新建改造绿道1100公里。", "own3")] == ["1100公里"]  # the province's, as ours
    assert kinds("全省新建改造绿道1100公里，全市新建改造绿道85公里。", "own3") == []
    assert kinds("全市新建改造绿道85公里，距90公里的年度目标仍差5公里。", "own3") == []
    assert kinds("甲、乙两个公园合并整合后不再单独计数，全市公园总数达到1260个。", "own3") == []
    assert kinds("打造宜居宜业宜游的“三宜”街区，建成“三宜”街区18个。", "own4") == []


def test_a_rough_figure_of_last_year_is_no_base_for_a_change(desk):
    """Last year's summary gave 举办公园文化季活动超400场: last year is 超400场, and no 增量 or 同比 is derived from it
    (430 against 超400 is not +30, not +7.5%); a draft that writes it anyway is right."""
    from drafter.drafting.context import fact_line

    session = desk.create(CITY, 2022)
    session.change_facts({"举办公园文化季活动": {"value": 430}})
    table = session.table()
    row = table.find("举办公园文化季活动")
    assert row.prior == 400 and row.prior_rough and not [d for d in row.derived if d.name in ("增量", "同比增长")]
    assert "上年" not in fact_line(row, table)  # nor offered to the prompt: 超400场 next to 430场 says nothing
    said = [(f.kind, f.text) for f in session.check_text("举办公园文化季活动430场，上年超400场。", "own3")]
    assert said == []
    assert [t for _, t in ((f.kind, f.text) for f in session.check_text("举办公园文化季活动430场，比上年增加30场。", "own3"))
            ] == ["30场"]
    other = desk.create(CITY, 2022, name="行名不带动词")  # the writer's row names the activity without 举办
    other.change_facts({"公园文化季活动": {"value": 430}})
    assert other.table().find("公园文化季活动").prior == 400
