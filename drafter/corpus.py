"""Find corpus files, read them and decode them to text. Every failure is a CorpusError with the reason."""

import hashlib
import re
import shutil
import subprocess
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

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
                skipped.append((p, f"unsupported file type '{p.suffix or '(none)'}'; use .txt .md .docx .pdf .html or .doc"))
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
                f"{size / 1024 / 1024:.1f} MB is over the {max_mb:g} MB limit; "
                "split the file or raise DRAFTER_MAX_FILE_MB"
            )
        data = path.read_bytes()
    except PermissionError as e:
        raise CorpusError("permission denied; make the file readable (chmod +r)") from e
    except OSError as e:
        raise CorpusError(f"cannot read file: {e.strerror or e}") from e
    if not data.strip():
        raise CorpusError("file is empty")
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
        return doc_to_text(path)
    raise CorpusError(f"unsupported file type '{suffix}'")


def decode(data: bytes) -> str:
    """utf-8-sig, then gb18030 (strict), then charset-normalizer; refuse binary data."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = _try(data, "utf-16")
    elif _looks_utf16(data):
        text = _try(data, "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
    else:
        text = _try(data, "utf-8-sig") or _try(data, "gb18030") or _normalizer(data)
    if text is None or not _is_text(text):
        raise CorpusError("not a text file (binary data or an unknown encoding); save it as UTF-8 text")
    return text


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


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
    return bad / len(sample) < 0.02


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
    import io

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as e:
        raise CorpusError(f"not a valid .docx file ({e}); re-save it from Word or WPS") from e
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    text = "\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise CorpusError("the .docx contains no text")
    return text


def pdf_to_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise CorpusError(f"not a readable PDF ({e}); re-export it or save it as .docx") from e
    text = "\n".join(pages)
    if not text.strip():
        raise CorpusError("the PDF has no text layer (a scan?); run OCR or provide the .docx")
    return text


def doc_to_text(path: Path) -> str:
    """Convert a legacy .doc with LibreOffice when it is installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise CorpusError(".doc needs LibreOffice to convert (apt-get install libreoffice-writer), or save it as .docx")
    with tempfile.TemporaryDirectory() as out:
        try:
            subprocess.run(
                [soffice, "--headless", "--convert-to", "docx", "--outdir", out, str(path)],
                check=True, capture_output=True, timeout=120,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            raise CorpusError(f"LibreOffice could not convert the .doc ({e})") from e
        converted = Path(out) / (path.stem + ".docx")
        if not converted.exists():
            raise CorpusError("LibreOffice produced no .docx; the .doc may be corrupt")
        return docx_to_text(converted.read_bytes())
