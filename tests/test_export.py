"""The exporter: the GB/T 9704 .docx read back and rendered, Markdown, and the facts-and-sources table."""

import csv
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook

from drafter.drafting import export
from drafter.drafting.export import ExportError
from drafter.models import ExportDocument, ExportSection, FactRow

ROOT = Path(__file__).resolve().parents[1]
FONTS_CONF = ROOT / "drafter" / "data" / "fonts.conf"
ARTIFACTS = ROOT / "tests" / "artifacts"
PENDING = "【待核实：2024年全社会研发投入（亿元）】"

OPENING = (
    "2024年，县科技局在县委、县政府的坚强领导下，深入学习贯彻党的二十大和二十届二中、三中全会精神，"
    "紧紧围绕全县“产业提质、创新赋能”年度主题，以建设创新型县城为目标，聚焦企业创新主体培育、创新平台载体建设、"
    "产学研深度融合和科技人才引育，各项工作取得积极成效。全年新增高新技术企业16家，净增13家，总数达到98家，"
    "完成年度目标的103.2%；技术合同成交额5.30亿元，同比增长14.7%。现将有关情况总结如下。"
)
INDICATORS = (
    "一是创新主体持续壮大。全年新认定高新技术企业16家，3家企业资格期满未通过重新认定，净增13家，"
    "全县高新技术企业总数达到98家，完成年度目标的103.2%；科技型中小企业入库190家，同比增长15.2%。"
    f"二是创新投入稳步增加。全社会研发投入{PENDING}，研发经费投入强度保持全市前列，"
    "规上工业企业研发机构覆盖率进一步提高。三是创新产出量质齐升。全年发明专利授权105件，同比增长14.1%；"
    "技术合同成交额5.30亿元，同比增长14.7%。四是产业结构持续优化。高新技术产业产值289.40亿元，"
    "占规上工业产值比重达到52.1%，比上年提高1.8个百分点。"
)
ENTERPRISES = (
    "1.完善政策体系。修订出台《示例县科技创新若干政策》，将高企认定奖励调整为“认定奖励＋研发增量奖励”，"
    "新增首次入库科技型中小企业奖励条款，全年兑现各类科技奖补资金920万元，惠及企业263家次。\n\n"
    "2.强化梯队培育。深入实施“小升高”培育工程，对全县规上工业企业研发活动情况开展拉网式排查，"
    "建立包含60家企业的高企后备库，按照“成熟一批、申报一批”的原则分批推进，"
    "宏川精密机械有限公司等一批专精特新企业顺利通过认定。\n"
    "3.做优精准服务。联合县税务局、县统计局开展“政策直达快享”专项行动，举办研发投入统计和加计扣除政策培训4场，"
    "组织科技服务专员走访企业180余家次，帮助企业解决技术、人才、融资等方面问题46个。"
)
PLATFORMS = (
    "全年新增省级企业研发机构5家、市级企业研发机构11家，全县省级以上研发机构达到36家。"
    "示例县科技创业园成功创建省级科技企业孵化器，全县科技企业孵化器达到4家，在孵企业132家。"
    "高新区“一区多园”格局加快形成，新建标准厂房12万平方米，引进科技型项目21个，"
    "园区创新资源集聚效应进一步显现。瑞丰新材料股份有限公司省重点企业研究院建设通过中期评估，"
    "带动上下游企业开展联合攻关项目7项。"
)
COOPERATION = (
    "深化与省内外高校院所合作，组织“科技成果进县区”对接活动6场，签订产学研合作项目58项，"
    "合同金额1.26亿元。全年登记技术合同412份，技术合同成交额5.30亿元，同比增长14.7%。"
    "推动县校共建技术转移中心实体化运行，促成科技成果转化项目19项，"
    "其中（1）新材料领域8项，（2）智能装备领域7项，（3）现代农业领域4项。"
)
TALENTS = (
    "实施“示例英才”计划，引进高层次创新创业人才团队9个，入选省级科技人才计划4人。"
    "选派科技特派员115名，覆盖全县所有乡镇和主导产业，推广新品种、新技术62项，"
    "帮助农户和农业经营主体增收1800余万元。组织科技活动周、科普日等活动32场次，"
    "全县公民具备科学素质比例稳步提升。"
)
PROBLEMS = (
    "一是创新主体结构不优，高新技术企业中规上企业占比不高，龙头企业带动作用有待增强。"
    "二是研发投入不够均衡，研发投入主要集中在少数骨干企业，中小企业研发活动不够活跃。"
    "三是高能级创新平台偏少，国家级研发平台尚未实现突破，对高端人才的吸引力不足。"
    "四是科技成果本地转化率不高，产学研合作项目中形成产业化成果的比例偏低。"
)
PLANS = (
    "2025年，县科技局将坚持创新驱动发展战略，重点抓好以下工作。"
    "一是持续壮大创新主体，力争高新技术企业总数达到110家，科技型中小企业入库200家以上。"
    "二是加快建设创新平台，积极争创国家级研发平台，新增省级以上研发机构4家以上。"
    "三是推动成果转化落地，技术合同成交额力争达到6亿元，办好县校合作对接活动。"
    "四是优化科技创新生态，落实好研发费用加计扣除等政策，争取上级资金4000万元以上，"
    "营造尊重知识、尊重人才、尊重创新的良好氛围。"
)

DOC = ExportDocument(
    title="示例县科学技术局2024年工作总结和2025年工作打算",
    sections=(
        ExportSection("", 0, OPENING),
        ExportSection("一、2024年主要工作及成效", 1, ""),
        ExportSection("（一）主要科技创新指标完成情况", 2, INDICATORS),
        ExportSection("（二）聚焦企业培育，创新主体持续壮大", 2, ENTERPRISES),
        ExportSection("（三）创新平台载体建设扎实推进", 2, PLATFORMS),
        ExportSection("（四）产学研合作与成果转化成效明显", 2, COOPERATION),
        ExportSection("（五）科技人才与科技特派员工作不断加强", 2, TALENTS),
        ExportSection("二、存在的问题和不足", 1, PROBLEMS),
        ExportSection("三、2025年工作打算", 1, PLANS),
    ),
    signature="示例县科学技术局",
    date="2024年12月20日",
    facts=(
        FactRow("高新技术企业总数", "家", 98.0, 85.0, 95.0, 110.0, (("增量", "13家"), ("完成率", "103.2%")),
                "示例县科学技术局2023年工作总结.md：全县高新技术企业总数达到85家", ("（一）主要科技创新指标完成情况",)),
        FactRow("技术合同成交额", "亿元", 5.3, 4.62, 5.0, 6.0, (("同比增长", "14.7%"), ("完成率", "106.0%")),
                "示例县科学技术局2023年工作总结.md：技术合同成交额4.62亿元",
                ("（一）主要科技创新指标完成情况", "（四）产学研合作与成果转化成效明显")),
        FactRow("全社会研发投入", "亿元", None, 8.52, None, None, (), "填写"),
    ),
)


@pytest.fixture
def docx_file(tmp_path) -> Path:
    return export.write(DOC, tmp_path / "总结.docx")


def east_asian(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def paragraph(word, text: str):
    return next(p for p in word.paragraphs if p.text == text)


# ---- .docx read back ---------------------------------------------------------------------------------


def test_docx_page_is_a4_with_gbt9704_margins_and_grid(docx_file):
    word = Document(str(docx_file))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for side, mm in {"top": 37, "bottom": 35, "left": 28, "right": 26}.items():
        assert abs(getattr(section, f"{side}_margin").mm - mm) <= 0.5, side
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch = int(grid.get(qn("w:linePitch")))  # twips: 22 lines fit in the 225 mm block, 23 do not
    assert 22 * pitch <= Mm(225).twips < 23 * pitch
    char_pitch = 16 + int(grid.get(qn("w:charSpace"))) / 4096  # pt: 28 characters fill the 156 mm line
    assert 28 * char_pitch == pytest.approx(Mm(156).pt, abs=0.1)
    assert word.settings.odd_and_even_pages_header_footer


def test_docx_fonts_per_level(docx_file):
    word = Document(str(docx_file))
    title = word.paragraphs[0]
    assert title.text == DOC.title and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {(east_asian(r), r.font.size) for r in title.runs} == {("方正小标宋简体", Pt(22))}
    assert word.paragraphs[1].text == ""  # the empty line under the title
    expected = {"一、2024年主要工作及成效": "黑体", "二、存在的问题和不足": "黑体",
                "（一）主要科技创新指标完成情况": "楷体_GB2312",
                ENTERPRISES.split("\n")[0]: "仿宋_GB2312", OPENING: "仿宋_GB2312"}
    for text, font in expected.items():
        runs = paragraph(word, text).runs
        assert {east_asian(r) for r in runs} == {font}, text
        assert {r._element.rPr.rFonts.get(qn("w:ascii")) for r in runs} == {font}, text
        assert all(r.font.size == Pt(16) and not r.font.bold for r in runs), text
    body = [r for p in word.paragraphs[2:] for r in p.runs]
    assert body and all(r.font.size == Pt(16) for r in body)
    normal = word.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and normal.font.size == Pt(16)


def test_docx_body_and_heading_layout(docx_file):
    word = Document(str(docx_file))
    texts = [p for p in word.paragraphs[2:] if p.text and p.text not in (DOC.signature, DOC.date)]
    assert len(texts) == 18  # 3 level-1 and 5 level-2 headings, 10 paragraphs (a single "\n" splits too)
    for p in texts:
        fmt = p.paragraph_format
        assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and fmt.line_spacing == Pt(28.9), p.text
        assert fmt.widow_control is False and word.styles["Normal"].paragraph_format.widow_control is False
        assert fmt.first_line_indent == Pt(32) and p._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
        assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        heading = p.text.startswith(("一、", "二、", "三、", "（"))
        assert fmt.keep_with_next is (True if heading else None), p.text  # headings stay with their first line


def test_docx_pending_marker_highlighted(docx_file):
    word = Document(str(docx_file))
    runs = [r for p in word.paragraphs for r in p.runs]
    marked = [r for r in runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert [r.text for r in marked] == [PENDING]
    assert east_asian(marked[0]) == "仿宋_GB2312"
    assert all(r.font.highlight_color is None for r in runs if r not in marked)
    assert paragraph(word, INDICATORS).text == INDICATORS  # the marker's split kept the text whole


def test_docx_footers_carry_page_field(docx_file):
    word = Document(str(docx_file))
    section = word.sections[0]
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right_indent"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left_indent")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        fields = re.findall(r'w:fldCharType="(\w+)"', xml)
        assert fields == ["begin", "separate", "end"]
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.alignment == align and getattr(p.paragraph_format, side) == Pt(14)
        assert {(east_asian(r), r.font.size) for r in p.runs} == {("宋体", Pt(14))}


def test_docx_ends_with_signature_and_date(docx_file):
    word = Document(str(docx_file))
    *_, blank, signature, date = word.paragraphs
    assert (blank.text, signature.text, date.text) == ("", "示例县科学技术局", "2024年12月20日")
    for p in (signature, date):
        assert p.alignment == WD_ALIGN_PARAGRAPH.RIGHT and p.paragraph_format.right_indent == Pt(64)
        assert p.paragraph_format.first_line_indent == Pt(0) and p._p.pPr.ind.get(qn("w:firstLineChars")) == "0"
        assert {(east_asian(r), r.font.size) for r in p.runs} == {("仿宋_GB2312", Pt(16))}


def test_docx_skips_empty_date(tmp_path):
    doc = ExportDocument("标题", (ExportSection("", 0, "正文。"),), signature="示例县科学技术局", date="")
    word = Document(str(export.write(doc, tmp_path / "a.docx")))
    assert [p.text for p in word.paragraphs] == ["标题", "", "正文。", "", "示例县科学技术局"]


def test_docx_common_profile(tmp_path):
    word = Document(str(export.write(DOC, tmp_path / "common.docx", fonts="common")))
    assert {east_asian(r) for r in paragraph(word, OPENING).runs} == {"仿宋"}
    assert {east_asian(r) for r in paragraph(word, "（二）聚焦企业培育，创新主体持续壮大").runs} == {"楷体"}
    assert {east_asian(r) for r in word.paragraphs[0].runs} == {"宋体"}


# ---- LibreOffice render ------------------------------------------------------------------------------


def _run(*args: str, **kwargs) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kwargs).stdout


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH: cannot render")
def test_libreoffice_renders_22_lines_per_page(tmp_path):
    source = export.write(DOC, tmp_path / "draft.docx")
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    _run("soffice", f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source), env=env)
    pdf = tmp_path / "draft.pdf"
    assert int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1)) >= 3  # page 2 is a full page
    lines = [line.strip() for line in _run("pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-").splitlines()]
    lines = [line for line in lines if line]
    assert re.sub(r"\s", "", lines[-1]) == "—2—"  # pdftotext drops the narrow spaces around the number
    body = lines[:-1]
    assert len(body) == 22
    # LibreOffice must not put each character into two grid cells (14 a line): full lines hold 27–28 characters.
    assert max(len(re.sub(r"\s", "", line)) for line in body) >= 27
    fonts = _run("pdffonts", str(pdf))
    assert "NotoSerifCJK" in fonts and "NotoSansCJK" in fonts  # fonts.conf mapped 仿宋/黑体 to CJK fonts
    ARTIFACTS.mkdir(exist_ok=True)
    _run("pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", "-singlefile", str(pdf), str(ARTIFACTS / "export_page2"))
    assert (ARTIFACTS / "export_page2.png").stat().st_size > 10_000


# ---- Markdown and the facts-and-sources table --------------------------------------------------------


def test_markdown_order():
    text = export.markdown(DOC)
    order = ["# 示例县科学技术局2024年工作总结和2025年工作打算", OPENING, "## 一、2024年主要工作及成效",
             "### （一）主要科技创新指标完成情况", INDICATORS, "### （二）聚焦企业培育", "2.强化梯队培育",
             "3.做优精准服务", "## 二、存在的问题和不足", "## 三、2025年工作打算", PLANS,
             "示例县科学技术局\n\n2024年12月20日\n"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert text.endswith("示例县科学技术局\n\n2024年12月20日\n")
    assert "\n\n3.做优精准服务" in text  # a single newline inside a section still starts a paragraph
    assert "## \n" not in text and "# \n" not in text  # the opening section has no heading line


def test_a_plans_titled_items_are_set_apart_where_the_bureau_set_them_apart(tmp_path):
    """（一）推动创新主体量质齐升。… becomes a heading line and its text where the bureau's last plan had its items as
    headings of their own; run in, it stays one paragraph."""
    plan = "2025年重点抓好以下两个方面工作：\n（一）推动创新主体量质齐升。高新技术企业总数力争达到110家。\n（二）推动平台提档升级。推动省级高新区获批。"
    for apart in (True, False):
        doc = ExportDocument("标题", (ExportSection("三、2025年工作打算", 1, plan, items_apart=apart),), "示例县科学技术局", "")
        text = export.markdown(doc)
        assert ("### （一）推动创新主体量质齐升\n\n高新技术企业总数力争达到110家。" in text) == apart
        assert ("（一）推动创新主体量质齐升。高新技术企业总数力争达到110家。" in text) != apart
        word = Document(str(export.write(doc, tmp_path / f"plan{apart}.docx")))
        fonts = {p.text: {east_asian(r) for r in p.runs} for p in word.paragraphs}
        assert (fonts.get("（二）推动平台提档升级") == {"楷体_GB2312"}) == apart  # a （二） heading's font


def test_md_written_by_suffix(tmp_path):
    path = export.write(DOC, tmp_path / "out" / "总结.MD")
    assert path.read_text("utf-8") == export.markdown(DOC)


HEADER = ["指标", "单位", "本年值", "上年值", "目标", "下年目标", "增量", "完成率", "同比增长",
          "上年值来源", "目标来源", "所在章节"]


def test_csv_facts_table(tmp_path):
    path = export.write(DOC, tmp_path / "facts.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads the Chinese correctly
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER
    assert rows[1] == ["高新技术企业总数", "家", "98", "85", "95", "110", "13家", "103.2%", "",
                       "示例县科学技术局2023年工作总结.md：全县高新技术企业总数达到85家", "",
                       "（一）主要科技创新指标完成情况"]
    assert rows[2][2:6] == ["5.3", "4.62", "5", "6"]
    assert rows[2][-1] == "（一）主要科技创新指标完成情况、（四）产学研合作与成果转化成效明显"
    assert rows[3][:6] == ["全社会研发投入", "亿元", "", "8.52", "", ""] and rows[3][-3] == "填写"


def test_xlsx_facts_table(tmp_path):
    book = load_workbook(export.write(DOC, tmp_path / "facts.xlsx"))
    sheet = book["事实与来源"]
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[2]][:8] == ["高新技术企业总数", "家", 98, 85, 95, 110, "13家", "103.2%"]
    assert isinstance(sheet["C2"].value, int) and sheet["C3"].value == 5.3 and sheet["C4"].value is None
    assert sheet.column_dimensions["J"].width > sheet.column_dimensions["B"].width >= 8


# ---- errors ------------------------------------------------------------------------------------------


def test_unsupported_suffix_names_file_and_suffixes(tmp_path):
    with pytest.raises(ExportError) as e:
        export.write(DOC, tmp_path / "总结.pdf")
    message = str(e.value)
    assert "总结.pdf" in message and "不支持" in message
    assert all(suffix in message for suffix in (".docx", ".md", ".csv", ".xlsx"))
    assert not (tmp_path / "总结.pdf").exists()


def test_unknown_font_profile(tmp_path):
    with pytest.raises(ExportError) as e:
        export.write(DOC, tmp_path / "总结.docx", fonts="fancy")
    assert "fancy" in str(e.value) and "official" in str(e.value) and "common" in str(e.value)
    assert not (tmp_path / "总结.docx").exists()


def test_unwritable_path_says_what_to_do(tmp_path):
    (tmp_path / "占用").write_text("")  # a file where the folder should be: writing fails with OSError
    with pytest.raises(ExportError) as e:
        export.write(DOC, tmp_path / "占用" / "总结.docx")
    assert "总结.docx" in str(e.value) and "Word" in str(e.value) and "文件名" in str(e.value)
