"""Find corpus files, read them and decode them to text. Every failure is a CorpusError with the reason."""

import functools
import hashlib
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from drafter.archives import check_zip
from drafter.errors import CorpusError

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf", ".doc"}
SIDECAR_SUFFIX = ".meta.yaml"


def discover(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders into corpus files. Returns (files, skipped-with-reason)."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and not _ignored(p, path))
            outside = [p for p in candidates if not p.resolve().is_relative_to(path.resolve())]
            skipped += [(p, "是指向语料库文件夹以外的链接，已跳过；请把文件本身放进语料库") for p in outside]
            candidates = [p for p in candidates if p not in outside]
        elif path.exists():
            candidates = [path]
        else:
            skipped.append((path, "no such file or folder"))
            continue
        for p in candidates:
            if p.name.endswith(SIDECAR_SUFFIX):
                continue
            if p.suffix.lower() in SUPPORTED:
                files.append(p)
            elif path.is_dir() and p.suffix.lower() in {".yaml", ".yml", ".json", ".csv"}:
                continue  # facts and config files living next to the corpus
            else:
                skipped.append((p, unsupported(p.suffix)))
    return files, skipped


def _ignored(p: Path, root: Path) -> bool:
    rel = p.relative_to(root)
    return any(part.startswith(".") for part in rel.parts) or p.name.lower() == "readme.md"


def read_bytes(path: Path, max_mb: float) -> bytes:
    """Read a file, refusing ones over the size limit or unreadable."""
    try:
        size = path.stat().st_size
        if size > max_mb * 1024 * 1024:
            raise CorpusError(
                f"文件有 {size / 1024 / 1024:.1f} MB，超过 {max_mb:g} MB 的上限；请拆分文件，或调大 DRAFTER_MAX_FILE_MB"
            )
        data = path.read_bytes()
    except PermissionError as e:
        raise CorpusError("没有读取权限；请让这个文件可读（chmod +r）") from e
    except OSError as e:
        raise CorpusError(f"无法读取文件：{e.strerror or e}") from e
    if not data.strip():
        raise CorpusError("文件是空的")
    return data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract_text(path: Path, data: bytes) -> str:
    """Turn a file's bytes into plain text according to its type."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text = decode(data)
        return _strip_markdown(text) if suffix != ".txt" else text
    if suffix in HTML_SUFFIXES:
        return html_to_text(decode(data))
    if suffix == ".docx":
        return docx_to_text(data)
    if suffix == ".pdf":
        return pdf_to_text(data)
    if suffix == ".doc":
        return doc_to_text(path, data)
    raise CorpusError(unsupported(suffix))


def unsupported(suffix: str) -> str:
    """Why a file of this type is not read, and what is."""
    return f"不支持的文件类型“{suffix or '无扩展名'}”；支持 .txt .md .docx .pdf .html，装有 LibreOffice 时也支持 .doc"


def decode(data: bytes) -> str:
    """utf-8-sig, then gb18030 (strict), then charset-normalizer; refuse binary data."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = _try(data, "utf-16")
    elif _looks_utf16(data):
        text = _try(data, "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
    else:
        text = _try(data, "utf-8-sig") or _try(data, "gb18030") or _by_line(data) or _normalizer(data)
    if text is None or not _is_text(text):
        raise CorpusError("不是文本文件（二进制内容或无法识别的编码）；请另存为 UTF-8 文本")
    return _CONTROL.sub("", text)  # a few stray control characters are noise, not a reason to refuse a file


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _by_line(data: bytes) -> str | None:
    """A file pasted together from UTF-8 and GBK parts: each line in the encoding that reads it."""
    lines = [_try(line, "utf-8") or _try(line, "gb18030") for line in data.split(b"\n")]
    return None if any(line is None for line in lines) else "\n".join(lines).lstrip("\ufeff")


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    return len(sample) >= 4 and sample.count(b"\x00") > len(sample) * 0.3 and (
        sample[1::2].count(0) > len(sample) * 0.4 or sample[0::2].count(0) > len(sample) * 0.4
    )


def _normalizer(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else None


def _is_text(text: str) -> bool:
    sample = text[:20000]
    if not sample.strip():
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f") or ch == "\ufffd")
    return bad <= 20 or bad / len(sample) < 0.02


_MD_PREFIX = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+(?=\S))", re.M)


def _strip_markdown(text: str) -> str:
    text = _MD_PREFIX.sub("", text)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)


class _HTMLText(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "title"}
    SKIP = {"script", "style", "noscript", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def docx_to_text(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data, ".docx")
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
    except XMLSyntaxError as e:  # entity loops (billion laughs) and other hostile or broken XML inside
        raise CorpusError("这个 .docx 内部的 XML 无法安全读取（实体嵌套过深或格式错误，可能是被构造的文件），已跳过；"
                          "请在 Word 或 WPS 中打开后另存为新文件再导入") from e
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as e:
        raise CorpusError(f"不是有效的 .docx 文件（{e}），可能已损坏或设置了打开密码；请在 Word 或 WPS 中另存后重试") from e
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    text = "\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise CorpusError("这个 .docx 里没有文字")
    return text


def pdf_to_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise CorpusError(f"PDF 无法读取（{e}），可能已损坏或加密；请重新导出，或另存为 .docx") from e
    text = "\n".join(pages)
    if not text.strip():
        raise CorpusError("PDF 没有文字层（可能是扫描件）；请先做文字识别（OCR），或提供 .docx")
    return text


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Word 97–2003 binary
_HTML_START = re.compile(r"<(?:!doctype|html|head|body|div|p|table|meta)\b", re.I)


def doc_to_text(path: Path, data: bytes) -> str:
    """A legacy .doc. Web sites often save HTML as .doc: that is read as HTML (nothing it links to is fetched);
    anything else goes through LibreOffice in a sandbox without network, so a linked image or style sheet
    is never loaded from outside the machine."""
    if not data.startswith(OLE2):
        text = decode(data)
        if _HTML_START.search(text[:4096]):
            return html_to_text(text)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise CorpusError(".doc 需要 LibreOffice 转换（apt-get install libreoffice-writer），或在 Word 中另存为 .docx")
    with tempfile.TemporaryDirectory() as out:
        profile = Path(out) / "profile"  # a profile of its own: no user settings, no running instance shared
        try:
            subprocess.run(
                [*_without_network(), soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                 "--convert-to", "docx", "--outdir", out, str(path)],
                check=True, capture_output=True, timeout=120,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            raise CorpusError(f"LibreOffice 无法转换这个 .doc（{e}）") from e
        converted = Path(out) / (path.stem + ".docx")
        if not converted.exists():
            raise CorpusError("LibreOffice 没有转出 .docx，这个 .doc 可能已损坏")
        return docx_to_text(converted.read_bytes())


@functools.cache
def _without_network() -> tuple[str, ...]:
    """The prefix that runs a command in a network namespace of its own (nothing but its own loopback)."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "--net", "--map-root-user", "true"], capture_output=True).returncode == 0:
        return (unshare, "--net", "--map-root-user")
    raise CorpusError("无法在断网的环境中转换 .doc（本机不允许 unshare 建立网络隔离），为免转换时从外网加载内容而跳过。"
                      "请在 Word 中把它另存为 .docx 后再导入。")
