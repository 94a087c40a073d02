"""Normalise decoded text and strip web boilerplate phrase-wise, keeping every line of body text."""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

# CJK Radicals Supplement code points that PDF printers emit instead of the ideograph;
# NFKC already folds the Kangxi radicals (U+2F00–U+2FDF).
RADICALS = dict(zip(
    "⺁⺇⺈⺌⺝⺟⺠⺩⺫⺮⻄⻅⻆⻈⻉⻋⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻨⻩⻬⻮⻰⻳",
    "厂几刀小月母民王目竹西见角讠贝车长门青韦页风飞食马骨鬼鱼鸟麦黄齐齿龙龟",
))
TERMINAL = "。！？!?；;：:"
_CHUNK = re.compile(r"^(\d{1,3})、")
_BULLET = re.compile(r"^[◆◇■□●○◎▲△▼►▶★☆※•·\-–—>]+\s*(?=\S)")


@dataclass
class CleanText:
    text: str
    hints: dict[str, str] = field(default_factory=dict)  # values from a portal's metadata block
    removed: int = 0  # characters of boilerplate removed


@cache
def _rules() -> tuple[list[re.Pattern], list[str]]:
    data = yaml.safe_load(resources.files("drafter").joinpath("data/boilerplate.yaml").read_text("utf-8"))
    return [re.compile(p, re.M) for p in data["phrases"]], data["metadata_keys"]


def normalize(text: str) -> str:
    """NFKC (full-width digits and Latin to half-width), radical fix-ups, unified newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(RADICALS.get(ch, ch) for ch in unicodedata.normalize("NFKC", text))
    text = text.replace("\u3000", " ").replace("\xa0", " ").replace("\u200b", "")
    return re.sub(r"[ \t]+", " ", text)


def clean(raw: str) -> CleanText:
    """Normalise, then remove boilerplate phrases, portal metadata lines and page-chunk numbers."""
    text = normalize(raw)
    phrases, _ = _rules()
    before = len(text)
    for pattern in phrases:
        text = pattern.sub("", text)
    lines = [_BULLET.sub("", line) for line in _join_hard_wraps(text.split("\n"))]
    lines, hints = _drop_metadata_lines(lines)
    lines = _join_page_chunks(lines)
    # what is left of a removed block: separators, or a bare list number
    lines = [line for line in lines if line and not re.fullmatch(r"[\s\-|:：·.,，>]*|\d{1,2}[.、]", line)]
    text = "\n".join(lines)
    return CleanText(text=text, hints=hints, removed=max(0, before - len(text)))


_MARKER_START = re.compile(r"(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|\([一二三四五六七八九十\d]+\)|\d+[.、])")


def _join_hard_wraps(raw: list[str]) -> list[str]:
    """Text extracted from PDFs wraps at a fixed width: rejoin a full-width line that ends mid-sentence.

    A following line that is indented or starts with a heading marker begins a new paragraph.
    Returns stripped lines.
    """
    lines = [line.strip() for line in raw]
    lengths = [len(line) for line in lines if len(line) >= 15]
    if len(lengths) < 5:
        return lines
    width = max(set(lengths), key=lambda n: sum(1 for m in lengths if n - 2 <= m <= n))
    if width < 15 or sum(1 for m in lengths if width - 2 <= m <= width) < 0.4 * len(lengths):
        return lines
    out: list[str] = []
    for original, line in zip(raw, lines):
        prev = out[-1] if out else ""
        new_paragraph = original[:1].isspace() or _MARKER_START.match(line)
        if prev and line and len(prev) >= width - 3 and prev[-1] not in TERMINAL and not new_paragraph:
            out[-1] = prev + line
        else:
            out.append(line)
    return out


def _drop_metadata_lines(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    _, keys = _rules()
    spaced = ["\\s*".join(map(re.escape, key)) for key in keys]  # 标 题: as well as 标题:
    key_re = re.compile(r"(" + "|".join(spaced) + r")\s*[:：]")
    kept, hints = [], {}
    for line in lines:
        found = list(key_re.finditer(line))
        is_meta = "。" not in line and (len(found) >= 2 or (found and found[0].start() == 0 and len(line) < 60))
        if not is_meta:
            kept.append(line)
            continue
        for i, m in enumerate(found):
            end = found[i + 1].start() if i + 1 < len(found) else len(line)
            value = line[m.end():end].strip()
            if value:
                hints.setdefault(re.sub(r"\s+", "", m.group(1)), value)
    return kept, hints


def _join_page_chunks(lines: list[str]) -> list[str]:
    """Undo a doc site's page-chunk numbers: a line starting `2、` that continues a sentence.

    Such a line follows a long line with no sentence-final punctuation, and the numbers run
    in sequence through the document. When the run starts at 2, the `1、` before it goes too.
    """
    out: list[str] = []
    last_chunk = 0
    for line in lines:
        m = _CHUNK.match(line)
        prev = out[-1] if out else ""
        if m and len(prev) > 40 and prev[-1] not in TERMINAL and int(m.group(1)) in (last_chunk + 1, 2):
            if int(m.group(1)) == 2 and last_chunk == 0:
                _strip_first_chunk(out)
            out[-1] = out[-1] + line[m.end():]
            last_chunk = int(m.group(1))
        else:
            out.append(line)
    return out


def _strip_first_chunk(lines: list[str]) -> None:
    for i, line in enumerate(lines):
        if line.startswith("1、") and len(line) > 40:
            lines[i] = line[2:]
            return


_HALF = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_CJK = r"[\u4e00-\u9fff〔〕《》“”、。]"


def as_written(text: str) -> str:
    """Cleaned (NFKC-folded) text with the full-width punctuation a Chinese document is written in:
    commas, colons, brackets and quotes next to Chinese text; 1,200 and 10:30 stay as they are."""
    text = re.sub(r"(?<!\d)[,;:!?]|[,;:!?](?!\d)", lambda m: _HALF[m.group(0)], text)
    text = re.sub(rf"\(([^()\n]*{_CJK}[^()\n]*|[一二三四五六七八九十\d]{{1,3}})\)", r"（\1）", text)
    quotes = iter(("“", "”") * (text.count('"') // 2 + 1))
    return re.sub(r'"', lambda m: next(quotes), text)
