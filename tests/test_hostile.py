"""Hostile inputs: each is reported by name with a reason a writer can act on, nothing else is lost, no
traceback, bounded time. Corpus files, facts files and outline files."""

import io
import os
import re
import time
import zipfile

import docx
import pytest

from conftest import write
from drafter.config import Settings
from drafter.drafting.outlines import OutlineError, load_outline
from drafter.errors import DrafterError
from drafter.ingest.pipeline import ingest
from drafter.numbers.facts import FactsError, read_facts
from drafter.stores.ledger import Ledger

GOOD = ("示例县科学技术局2023年工作总结\n2023年，我局围绕中心工作，推动科技创新。\n一、2023年主要工作\n"
        "（一）企业培育。全年新增高新技术企业17家，总数达85家。\n二、2024年工作打算\n力争高企总数达到95家。\n")


def _docx_bytes(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (300 * 1024 * 1024) + b"</w:document>")
    return buffer.getvalue()


# name -> (bytes, what the report must say: a skip reason, or None when the file is usable with a warning)
def hostile_corpus() -> dict[str, tuple[bytes, str | None]]:
    good_docx = _docx_bytes(GOOD)
    return {
        "empty.txt": (b"", "空的"),
        "spaces.txt": (b"   \n\n  ", "空的"),
        "binary.txt": (os.urandom(3000), "不是文本文件"),
        "nul-heavy.txt": (b"\x00" * 2000 + GOOD.encode(), "不是文本文件"),
        "truncated.docx": (good_docx[: len(good_docx) // 2], ".docx"),
        "not-a-zip.docx": (b"PK\x03\x04 broken", ".docx"),
        "password.docx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000), "密码"),
        "bomb.docx": (_zip_bomb(), "压缩炸弹"),
        "empty.docx": (_docx_bytes(""), "没有文字"),
        "truncated.pdf": (b"%PDF-1.4\n1 0 obj\n<<", "PDF"),
        "fake.pdf": (b"this is not a pdf at all", "PDF"),
        "table.xlsx": (b"PK\x03\x04", "不支持的文件类型"),
        "noext": (GOOD.encode(), "不支持的文件类型"),
        "image.png": (b"\x89PNG\r\n\x1a\n" + os.urandom(100), "不支持的文件类型"),
        "tiny.txt": ("总结".encode(), "没有可学习的内容"),
        "control-chars.txt": (GOOD.replace("。", "。\x07", 3).replace("，", "\x01，", 2).encode(), None),
        "traditional.txt": (GOOD.replace("示例县科学技术局", "示例縣科學技術局").replace("工作总结", "工作總結")
                            .replace("创新", "創新").replace("企业", "企業").encode(), None),
        "one-line.txt": (("示例县科学技术局2023年工作总结" + "全年新增高新技术企业17家，" * 4000).encode(), None),
        "figure-flood.txt": (("示例县科学技术局2023年工作总结\n" + "".join(f"指标{i}达到{i}家，" for i in range(5000))).encode(),
                             None),
        "deep-headings.txt": (("示例县科学技术局2023年工作总结\n" + "".join(f"{'（' * 1}{i}）标题{i}\n1.小节\n（1）细目\n"
                                                                       for i in range(1, 400))).encode(), None),
        "mixed-encoding.txt": (GOOD.encode("utf-8") + "第二段，编码不同。\n".encode("gbk"), None),
        "gbk.txt": (GOOD.encode("gbk"), None),
        "utf16.txt": (GOOD.encode("utf-16"), None),
        "html-script.html": (f"<html><script>alert(1)</script><body>{GOOD}</body></html>".encode(), None),
        "secret.txt": (("机密★一年\n" + GOOD).encode(), "密级"),
        "bad-sidecar.txt": (GOOD.encode(), "bad-sidecar.txt.meta.yaml"),
    }


def test_hostile_corpus_files_are_each_reported_and_the_good_one_is_kept(tmp_path):
    corpus = tmp_path / "corpus"
    files = hostile_corpus()
    for name, (data, _) in files.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_bytes(data)
    write(corpus / "bad-sidecar.txt.meta.yaml", "year: [not a year\n")
    write(corpus / "good.txt", GOOD.replace("2023", "2020"))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedding="hash", max_file_mb=20)
    started = time.monotonic()
    report = ingest(settings)
    assert time.monotonic() - started < 90
    skipped = {os.path.basename(p): reason for p, reason in report.skipped}
    for name, (_, expected) in files.items():
        if expected is None:
            assert name not in skipped, (name, skipped.get(name))
        else:
            assert name in skipped and expected in skipped[name], (name, skipped.get(name))
            assert len(re.findall(r"[\u4e00-\u9fff]", skipped[name])) >= 4  # a Chinese reason a writer can read
    ledger = Ledger(settings.catalog_path)
    docs = {os.path.basename(d["path"]): d for d in ledger.documents()}
    ledger.close()
    assert "good.txt" in docs
    assert docs["traditional.txt"]["org"] == "示例县科学技术局"
    warnings = {os.path.basename(p): w for p, w in report.warnings}
    assert "只收录前" in " ".join(w for p, w in report.warnings if p.endswith("figure-flood.txt"))
    assert "繁体" in " ".join(w for p, w in report.warnings if p.endswith("traditional.txt")) and warnings


@pytest.mark.parametrize("name, text, message", [
    ("empty.yaml", "", None),
    ("list.yaml", "- a\n- b\n", "应包含 org"),
    ("badyaml.yaml", "facts: [\n", "不是有效的 YAML"),
    ("text-value.csv", "indicator,value\n高新技术企业总数,很多\n", "不是数字"),
    ("negative.csv", "indicator,value\n高新技术企业总数,-5\n", None),
    ("nan.csv", "indicator,value\n高新技术企业总数,NaN\n", "不是合理的数值"),
    ("huge.csv", "indicator,value\n高新技术企业总数,1e30\n", "不是合理的数值"),
    ("dupe.csv", "indicator,value\n高企,1\n高企,2\n", "重复"),
    ("nameless.csv", "indicator,value\n,5\n", "没有写指标名称"),
    ("bool.yaml", "facts:\n  - indicator: 高企\n    value: true\n", "应是数字"),
    ("bad.xlsx", "PK\x03\x04 junk", "不是"),
    ("gbk.csv", None, "UTF-8"),
])
def test_hostile_facts_files_name_the_file_and_the_fix(tmp_path, name, text, message):
    path = tmp_path / name
    if text is None:
        path.write_bytes("indicator,value\n高企,5\n".encode("gbk"))
    else:
        write(path, text)
    if message is None:
        read_facts(path)  # accepted (a negative value is a writer's fact; an empty file has no rows)
        return
    with pytest.raises(FactsError) as e:
        read_facts(path)
    assert message in str(e.value) and name in str(e.value)


@pytest.mark.parametrize("text, message", [
    ("name: x\n", "字段"),
    ("sections: [\n", "不是有效的 YAML|not valid YAML"),
    ("name: x\nlabel: y\nperiod: annual\ntitle: t\nsections:\n  - id: a\n    level: 9\n    kind: body\n", "level"),
    ("name: x\nlabel: y\nperiod: annual\ntitle: t\nsections:\n  - id: a\n    heading: '{evil.__class__}'\n"
     "    level: 1\n    kind: body\n", "placeholder|unknown"),
])
def test_hostile_outline_files_name_the_line_and_field(tmp_path, text, message):
    path = write(tmp_path / "mine.yaml", text)
    with pytest.raises(OutlineError, match=message) as e:
        load_outline(path, tmp_path)
    assert "mine.yaml" in str(e.value) and isinstance(e.value, DrafterError)
