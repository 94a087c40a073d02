"""Write a draft out: Markdown, or a plain Word file (the GB/T 9704 layout comes with the export work)."""

from pathlib import Path

from drafter.draft import Draft
from drafter.errors import DrafterError

EAST_ASIAN_BODY = "仿宋_GB2312"
EAST_ASIAN_HEADING = "黑体"


class ExportError(DrafterError):
    """The output file cannot be written."""


def export(draft: Draft, path: Path) -> Path:
    """Write .md or .docx by the file's extension."""
    suffix = path.suffix.lower()
    if suffix not in (".md", ".docx"):
        raise ExportError(f"Cannot write {path.name}: use an .md or .docx file name.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".md":
            path.write_text(draft.markdown(), "utf-8")
        else:
            _docx(draft, path)
    except OSError as e:
        raise ExportError(f"Cannot write {path}: {e}. Close it if it is open in Word, or choose another name.") from e
    return path


def _docx(draft: Draft, path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()

    def run(paragraph, text: str, font: str, size: float, bold: bool = False) -> None:
        r = paragraph.add_run(text)
        r.font.size, r.font.bold, r.font.name = Pt(size), bold, font
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)  # python-docx has no API for it

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(title, draft.title, "方正小标宋简体", 22)
    for p in draft.planned:
        if p.spec.level:
            run(doc.add_paragraph(), p.heading, EAST_ASIAN_HEADING if p.spec.level == 1 else "楷体_GB2312", 16)
        section = draft.sections.get(p.spec.id)
        for para in (section.text.split("\n\n") if section and section.text else []):
            body = doc.add_paragraph()
            body.paragraph_format.first_line_indent = Pt(32)
            run(body, para.strip(), EAST_ASIAN_BODY, 16)
    doc.save(path)
