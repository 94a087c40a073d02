"""Loading, decoding and cleaning of corpus files, including bad input."""

import io
import os
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from drafter.errors import CorpusError
from drafter.ingest.clean import clean, normalize
from drafter.ingest.corpus import decode, discover, extract_text, read_bytes
from tests.conftest import write

SAMPLE = "示例县科学技术局2023年工作总结\n一、主要工作\n(一)企业培育。全年新增高新技术企业12家，总数达85家。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_decodes_common_chinese_encodings(encoding):
    assert "新增高新技术企业12家" in decode(SAMPLE.encode(encoding))


def test_utf16_without_bom_is_detected():
    assert "总数达85家" in decode(SAMPLE.encode("utf-16-le"))


def test_binary_junk_is_refused_with_a_reason():
    junk = bytes(range(256)) * 40
    with pytest.raises(CorpusError, match="不是文本文件"):
        decode(junk)


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="空的"):
        read_bytes(write(tmp_path / "a.txt", "  \n"), max_mb=1)


def test_oversized_file_is_refused_with_the_limit(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(CorpusError, match="超过 20 MB 的上限"):
        read_bytes(big, max_mb=20)


def test_unreadable_file_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path / "locked.txt", SAMPLE)
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the read fail the way it does for a user
        def denied(self):
            raise PermissionError(13, "Permission denied", str(self))
        monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(CorpusError, match="没有读取权限"):
        read_bytes(path, max_mb=1)


def test_discover_reports_unsupported_types_and_skips_sidecars(tmp_path):
    write(tmp_path / "a.txt", SAMPLE)
    write(tmp_path / "a.txt.meta.yaml", "year: 2023\n")
    write(tmp_path / "b.xlsx", "x")
    files, skipped = discover([tmp_path, tmp_path / "missing.txt"])
    assert [f.name for f in files] == ["a.txt"]
    reasons = {p.name: r for p, r in skipped}
    assert "不支持的文件类型“.xlsx”" in reasons["b.xlsx"]
    assert reasons["missing.txt"] == "no such file or folder"


def test_docx_text_including_tables(tmp_path):
    document = docx.Document()
    document.add_paragraph("一、主要工作")
    document.add_paragraph("全年新增高新技术企业12家。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "技术合同成交额"
    table.rows[0].cells[1].text = "4.62亿元"
    buffer = io.BytesIO()
    document.save(buffer)
    text = extract_text(Path("x.docx"), buffer.getvalue())
    assert "全年新增高新技术企业12家" in text and "技术合同成交额 4.62亿元" in text


def test_corrupt_docx_and_pdf_are_refused():
    with pytest.raises(CorpusError, match="不是有效的 .docx"):
        extract_text(Path("x.docx"), b"PK\x03\x04 this is not a zip")
    with pytest.raises(CorpusError, match="PDF 无法读取"):
        extract_text(Path("x.pdf"), b"%PDF-1.4\n garbage without objects")


def _pdf_with_text(text: str) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_text_layer_is_read_and_scans_are_refused():
    assert "Annual summary 2023" in extract_text(Path("x.pdf"), _pdf_with_text("Annual summary 2023"))
    with pytest.raises(CorpusError, match="没有文字层"):
        extract_text(Path("x.pdf"), _pdf_with_text(""))


def test_html_keeps_text_and_drops_scripts():
    html = "<html><head><title>t</title><script>var a=1;</script></head><body><h2>一、主要工作</h2><p>全年新增12家。</p></body></html>"
    text = extract_text(Path("x.html"), html.encode())
    assert text.split("\n") == ["一、主要工作", "全年新增12家。"]


def test_legacy_doc_without_libreoffice_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(CorpusError, match="LibreOffice"):
        extract_text(write(tmp_path / "old.doc", "x"), b"x")


def test_normalize_folds_width_and_pdf_radicals():
    assert normalize("２０２３年⼯作总结，⻓期") == "2023年工作总结,长期"


def test_boilerplate_is_removed_phrase_wise_keeping_body_on_the_same_line():
    raw = ("温馨提示:\n1. 部分包含数学公式或PPT动画的文件,查看预览时可能会显示错乱或异常,文件下载后无此问题,请放心下载。\n"
           "一、主要工作\n全年新增高新技术企业12家,总数达85家。查看更多\n第9页 共9页\n")
    text = clean(raw).text
    assert text == "一、主要工作\n全年新增高新技术企业12家,总数达85家。"


def test_portal_metadata_lines_become_hints():
    raw = ("索引号: abc/2021-00040 分类: 科技\n发布机构: 某某市科学技术局 文号:\n"
           "名称: 2019年科技工作总结\n2019年,市科技局以创新为引领,全年新增高新技术企业12家。\n")
    result = clean(raw)
    assert result.hints["发布机构"] == "某某市科学技术局"
    assert result.text == "2019年,市科技局以创新为引领,全年新增高新技术企业12家。"


def test_page_chunk_numbers_are_joined_back_into_the_sentence():
    raw = ("1、区科技局年度工作总结暨下阶段工作安排区科技局年度工作总结暨下阶段工作安排今年,科技局在区委领导下,带领干部\n"
           "2、多次到企业调研,了解企业在科技工作方面的开展情况,广泛征求意见和建议,掌握一手资料,\n"
           "3、为科学决策提供依据。")
    text = clean(raw).text
    assert "带领干部多次到企业调研" in text and "掌握一手资料,为科学决策" in text
    assert not text.startswith("1、")
