"""Export a draft: the .docx laid out to GB/T 9704-2012, Markdown, and the facts-and-sources table (.csv/.xlsx)."""

import contextlib
import csv
import math
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from drafter.errors import DrafterError
from drafter.models import ExportDocument, ExportSection, FactRow
from drafter.numbers.checks import PENDING

FONT_PROFILES: dict[str, dict[str, str]] = {
    "official": {"body": "仿宋_GB2312", "title": "方正小标宋简体", "h1": "黑体", "h2": "楷体_GB2312", "page": "宋体"},
    # For PCs without the GB2312 / 方正 fonts: the ones Windows and WPS ship.
    "common": {"body": "仿宋", "title": "宋体", "h1": "黑体", "h2": "楷体", "page": "宋体"},
}
_SUFFIXES = (".docx", ".md", ".csv", ".xlsx")

# GB/T 9704-2012: A4, text block 156 × 225 mm, 22 lines of 28 characters in 三号.
_PAGE_MM = (210, 297)
_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
_BLOCK_MM = (_PAGE_MM[0] - _MARGINS_MM["left"] - _MARGINS_MM["right"],  # 156 × 225
            _PAGE_MM[1] - _MARGINS_MM["top"] - _MARGINS_MM["bottom"])
_LINES, _CHARS = 22, 28
_BODY_PT, _TITLE_PT, _PAGE_NUMBER_PT = 16, 22, 14
_LINE_PT = 28.9
# The page number's 一字线 sits 7 mm below the text block; the footer line's bottom lies ~3 mm below the dash.
_FOOTER_MM = _MARGINS_MM["bottom"] - 7 - 3

_MARKER = re.compile(f"({PENDING.pattern})")  # the checks' pending markers, kept whole by re.split


class ExportError(DrafterError):
    """The output file cannot be written: the message names the file and says what to do."""


class _Kind(NamedTuple):
    """How one kind of paragraph looks: its style, font role, size, alignment and indents in characters."""

    style: str
    font: str
    size: float
    align: str
    first_line: int = 0
    right: int = 0
    outline: int | None = None


_KINDS = {
    "body": _Kind("Normal", "body", _BODY_PT, "JUSTIFY", first_line=2),
    "title": _Kind("公文标题", "title", _TITLE_PT, "CENTER"),
    "h1": _Kind("一级标题", "h1", _BODY_PT, "JUSTIFY", first_line=2, outline=0),
    "h2": _Kind("二级标题", "h2", _BODY_PT, "JUSTIFY", first_line=2, outline=1),
    "closing": _Kind("落款", "body", _BODY_PT, "RIGHT", right=4),
}
# What follows w:snapToGrid in a w:pPr: Word rejects elements out of the schema's order.
_AFTER_SNAP_TO_GRID = ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                       "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                       "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_HEADING_KINDS = {1: "h1", 2: "h2"}  # deeper levels (1. （1）) are ordinary 仿宋 paragraphs


def write(doc: ExportDocument, path: Path, *, fonts: str = "official") -> Path:
    """Write by the file's extension: .docx (GB/T 9704), .md, or the facts-and-sources table as .csv / .xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ExportError(f"无法导出“{path.name}”：不支持“{suffix or '无扩展名'}”格式。"
                          f"请把扩展名改为 .docx（Word 公文格式）、.md（Markdown），或 .csv、.xlsx（事实与来源表）。")
    profile = _profile(fonts, path)
    # written beside the target and renamed over it: a killed export never leaves a broken file behind
    part = path.with_name(f".{path.stem}.{os.getpid()}.part{suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".docx":
            _docx(doc, part, profile)
        elif suffix == ".md":
            part.write_text(markdown(doc), "utf-8")
        elif suffix == ".csv":
            _csv(doc.facts, part)
        else:
            _xlsx(doc.facts, part)
        os.replace(part, path)
    except OSError as e:
        raise ExportError(f"无法写入“{path}”：{e.strerror or e}。该文件可能正在 Word 或 Excel 中打开，"
                          f"请关闭后重试，或换一个文件名。") from e
    finally:
        with contextlib.suppress(OSError):  # nothing to remove where the folder could not be made
            part.unlink(missing_ok=True)
    return path


def _profile(fonts: str, path: Path) -> dict[str, str]:
    """The font profile by name, or an error listing the profiles."""
    if fonts not in FONT_PROFILES:
        raise ExportError(f"无法导出“{path.name}”：没有名为“{fonts}”的字体方案。可选：official（公文标准字体，"
                          f"仿宋_GB2312 等）、common（电脑未装公文字体时用仿宋、楷体、宋体）。")
    return FONT_PROFILES[fonts]


def _paragraphs(text: str) -> list[str]:
    """A section's paragraphs: every non-empty line, so blank lines and single newlines both separate them."""
    return [line.strip() for line in text.splitlines() if line.strip()]


_TITLED = re.compile(r"^(（[一二三四五六七八九十]+）[^。！？\n]{2,30})。(.+)$")


def _blocks(section: ExportSection) -> list[tuple[bool, str]]:
    """(is a heading, text) of a section's paragraphs; a plan whose items the bureau set as headings of their own
    has each （一）推动创新主体量质齐升。… paragraph split into its title and its text."""
    out = []
    for text in _paragraphs(section.text):
        titled = _TITLED.match(text) if section.items_apart else None
        out += [(True, titled.group(1)), (False, titled.group(2).strip())] if titled else [(False, text)]
    return out


# ---- Markdown ----------------------------------------------------------------------------------------


def markdown(doc: ExportDocument, escape: Callable[[str], str] | None = None) -> str:
    """The draft as Markdown: # title, ## 一、, ### （一）, paragraphs, then signature and date."""
    escape = escape or (lambda text: text)
    blocks = [f"# {escape(doc.title)}"]
    for section in doc.sections:
        if section.level and section.heading:
            blocks.append(f"{'#' * (section.level + 1)} {escape(section.heading)}")
        blocks.extend(f"{'#' * (section.level + 2)} {escape(text)}" if title else escape(text)
                      for title, text in _blocks(section))
    blocks.extend(escape(line) for line in (doc.signature, doc.date) if line)
    return "\n\n".join(blocks) + "\n"


# ---- facts-and-sources table -------------------------------------------------------------------------


def _number(value: float | None) -> int | float | None:
    """A value as written in the table: 98 rather than 98.0, nothing for a missing one."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _table(facts: tuple[FactRow, ...]) -> list[list]:
    """Header row and one row per fact; derived values get one column per name, in first-seen order."""
    derived = list(dict.fromkeys(name for row in facts for name, _ in row.derived))
    rows: list[list] = [["指标", "单位", "本年值", "上年值", "目标", "下年目标", *derived, "上年值来源", "目标来源", "所在章节"]]
    for row in facts:
        values = dict(row.derived)
        rows.append([row.indicator, row.unit, *map(_number, (row.value, row.prior, row.target, row.next_target)),
                     *(values.get(name, "") for name in derived), row.prior_source,
                     row.target_source and f"去年工作打算：{row.target_source}", "、".join(row.sections)])
    return rows


_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def _inert(value):
    """A text cell that a spreadsheet would run as a formula (=HYPERLINK(…), +cmd|…, @…) is written as text."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA) else value


def _csv(facts: tuple[FactRow, ...], path: Path) -> None:
    """The table as CSV with a BOM: without it Excel reads the Chinese as mojibake."""
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows([list(map(_inert, row)) for row in _table(facts)])


def _xlsx(facts: tuple[FactRow, ...], path: Path) -> None:
    """The table as one sheet: bold frozen header, columns wide enough for their text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "事实与来源"
    for row in _table(facts):
        sheet.append(row)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA):
                cell.data_type = "s"  # kept as the text it is, never a live formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, *map(_width, column)) + 2)
    book.save(path)


def _width(value: object) -> int:
    """Display width of a cell: Chinese characters take two columns."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# ---- .docx (GB/T 9704-2012) --------------------------------------------------------------------------


def _docx(doc: ExportDocument, path: Path, fonts: dict[str, str]) -> None:
    """Build the Word file: page, styles, title, sections, signature and date, page numbers."""
    from docx import Document

    word = Document()
    _page(word.sections[0])
    _styles(word, fonts)
    _add(word, "title", doc.title, fonts)
    _add(word, "body", "", fonts)  # GB/T 9704: the body starts one line below the title
    for section in doc.sections:
        blocks = _blocks(section)
        if section.level and section.heading and section.run_in and blocks:
            _add_run_in(word, _HEADING_KINDS.get(section.level, "body"), section.heading, blocks.pop(0)[1], fonts)
        elif section.level and section.heading:
            _add(word, _HEADING_KINDS.get(section.level, "body"), section.heading, fonts)
        for title, text in blocks:
            _add(word, _HEADING_KINDS.get(section.level + 1, "body") if title else "body", text, fonts)
    _closing(word, doc, fonts)
    _page_numbers(word, fonts["page"])
    word.save(str(path))


def _page(section) -> None:
    """A4, the GB/T 9704 margins and a 22 × 28 document grid."""
    from docx.oxml.ns import qn
    from docx.shared import Mm

    section.page_width, section.page_height = Mm(_PAGE_MM[0]), Mm(_PAGE_MM[1])
    for side, mm in _MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    section.footer_distance = Mm(_FOOTER_MM)
    grid = section._sectPr.find(qn("w:docGrid"))  # python-docx's template has one
    grid.set(qn("w:type"), "linesAndChars")
    # Both rounded down so that 22 lines and 28 characters fit: linePitch in twips, charSpace in 1/4096 pt
    # that a grid character is narrower than the Normal style's 16 pt (Word: pitch = 16 pt + charSpace / 4096).
    grid.set(qn("w:linePitch"), str(math.floor(Mm(_BLOCK_MM[1]).pt * 20 / _LINES)))
    grid.set(qn("w:charSpace"), str(math.floor((Mm(_BLOCK_MM[0]).pt / _CHARS - _BODY_PT) * 4096)))


def _styles(word, fonts: dict[str, str]) -> None:
    """Document defaults and one paragraph style per kind, so text the writer adds later looks the same."""
    from docx.enum.style import WD_STYLE_TYPE

    _defaults(word, fonts["body"])
    for kind in _KINDS.values():
        if kind.style == "Normal":
            style = word.styles["Normal"]
        else:
            style = word.styles.add_style(kind.style, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style, style.quick_style = word.styles["Normal"], True
        _font(style.element, style.font, fonts[kind.font], kind.size)
        _layout(style.paragraph_format, kind)
        if kind.outline is not None:  # Word's navigation pane lists the headings
            style.element.get_or_add_pPr().get_or_add_outlineLvl().val = kind.outline


def _defaults(word, font: str) -> None:
    """Document defaults: the body font instead of the template's theme fonts (Calibri, MS Mincho), Chinese text."""
    from docx.oxml.ns import qn

    rpr = word.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attribute in [a for a in rfonts.attrib if a.endswith("heme")]:  # asciiTheme, eastAsiaTheme, cstheme …
        del rfonts.attrib[attribute]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attribute), font)
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")  # the template says en-US: proofing and punctuation


def _font(element, font, name: str, size: float) -> None:
    """Font of a run or style: size, not bold, and the same family for Chinese (eastAsia) and Latin text."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font.size, font.bold = Pt(size), False
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attribute), name)


def _layout(fmt, kind: _Kind) -> None:
    """Paragraph layout: exact 28.9 pt lines, no widow control, alignment and indents counted in characters."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    fmt.alignment = getattr(WD_ALIGN_PARAGRAPH, kind.align)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(_LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = False  # every full page keeps its 22 lines
    if kind.outline is not None:
        fmt.keep_with_next = True  # a heading never ends a page without the first line under it
    fmt.right_indent = Pt(kind.right * _BODY_PT)
    _first_line(fmt, kind.first_line)
    _off_line_grid(fmt)


def _first_line(fmt, chars: int) -> None:
    """First-line indent in points and in characters: Word prefers the latter, so a 0 must be written too."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fmt.first_line_indent = Pt(chars * _BODY_PT)
    fmt._element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(chars * 100))


def _off_line_grid(fmt) -> None:
    """`w:snapToGrid w:val="0"`: Word keeps the 28-character grid (that is a run setting) and the exact spacing.

    The paragraph setting only concerns the line grid, which exact spacing overrides in Word anyway. LibreOffice
    reads it as "no grid at all": otherwise it puts each 16 pt character into two 15.8 pt grid cells and a preview
    shows 14 characters a line.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = fmt._element.get_or_add_pPr()
    if ppr.find(qn("w:snapToGrid")) is None:
        ppr.insert_element_before(OxmlElement("w:snapToGrid", {qn("w:val"): "0"}), *_AFTER_SNAP_TO_GRID)


def _add(word, kind_name: str, text: str, fonts: dict[str, str]) -> None:
    """One paragraph of a kind; its layout is set directly too, so it survives pasting into another file."""
    kind = _KINDS[kind_name]
    paragraph = word.add_paragraph(style=word.styles[kind.style])
    _layout(paragraph.paragraph_format, kind)
    _runs(paragraph, text, fonts[kind.font], kind.size)


def _add_run_in(word, heading_kind: str, heading: str, text: str, fonts: dict[str, str]) -> None:
    """A body paragraph led by its heading in the heading's font: （一）环境卫生治理能力持续提升。龙华…"""
    kind, lead = _KINDS["body"], _KINDS[heading_kind]
    paragraph = word.add_paragraph(style=word.styles[kind.style])
    _layout(paragraph.paragraph_format, kind)
    _runs(paragraph, heading.rstrip("。") + "。", fonts[lead.font], kind.size)
    _runs(paragraph, text, fonts[kind.font], kind.size)


def _runs(paragraph, text: str, font: str, size: float) -> None:
    """The text as runs; 【待核实：…】 and 【待补充：…】 get their own run, highlighted yellow."""
    from docx.enum.text import WD_COLOR_INDEX

    for i, chunk in enumerate(_MARKER.split(text)):  # the markers are the odd chunks
        if chunk:
            run = paragraph.add_run(chunk)
            _font(run._element, run.font, font, size)
            if i % 2:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _closing(word, doc: ExportDocument, fonts: dict[str, str]) -> None:
    """One empty line, then 发文机关署名 and 成文日期, each right-aligned 4 characters from the margin."""
    lines = [line for line in (doc.signature, doc.date) if line]
    if lines:
        _add(word, "body", "", fonts)
    for line in lines:
        _add(word, "closing", line, fonts)


def _page_numbers(word, font: str) -> None:
    """Footers `— N —` in 四号 宋体: odd pages right, even pages left, each one character in from the margin."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    word.settings.odd_and_even_pages_header_footer = True
    style = word.styles["Footer"]
    _font(style.element, style.font, font, _PAGE_NUMBER_PT)
    _first_line(style.paragraph_format, 0)
    section = word.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = style
        fmt = paragraph.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if side == "right" else WD_ALIGN_PARAGRAPH.LEFT
        setattr(fmt, f"{side}_indent", Pt(_PAGE_NUMBER_PT))
        _page_field(paragraph, font)


def _page_field(paragraph, font: str) -> None:
    """`— ` PAGE field ` —`, as fldChar begin / instrText / separate / result / end runs."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    # The "1" is what shows until the field is updated; Word and LibreOffice update PAGE when they lay out.
    parts = (("t", "— "), ("fldChar", "begin"), ("instrText", " PAGE "), ("fldChar", "separate"), ("t", "1"),
             ("fldChar", "end"), ("t", " —"))
    for tag, value in parts:
        run = paragraph.add_run(value if tag == "t" else None)
        _font(run._element, run.font, font, _PAGE_NUMBER_PT)
        if tag == "fldChar":
            run._element.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): value}))
        elif tag == "instrText":
            code = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
            code.text = value
            run._element.append(code)
