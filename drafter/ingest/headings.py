"""Parse the heading tree of a summary: 一、 / (一) / 1. / (1) / 一是, on their own lines or run into the text."""

import re
from dataclasses import dataclass, replace

from drafter.models import Part, Section
from drafter.outline_spec import CN_DIGITS

# Text is NFKC-normalised, so （一） arrives as (一) and 1． as 1.
STYLES: dict[str, re.Pattern] = {
    "part": re.compile(rf"第([{CN_DIGITS}]{{1,3}})部分[、:：.\s]*"),
    "cn": re.compile(rf"([{CN_DIGITS}]{{1,3}})、"),
    "cn_paren": re.compile(rf"\(([{CN_DIGITS}]{{1,3}})\)"),
    "num": re.compile(r"(\d{1,2})[.、](?![\d.])"),
    "num_paren": re.compile(r"\((\d{1,2})\)"),
    "shi": re.compile(rf"([{CN_DIGITS}]{{1,3}})是"),
}
_ANY_MARKER = re.compile("|".join(f"(?:{p.pattern})" for p in STYLES.values()))
_CHILD_MARKER = re.compile(rf"\(?[{CN_DIGITS}\d]{{1,2}}[.、)](?=[\u4e00-\u9fff])")
_SENTENCE_END = "。！？!?；;:："
_HEADING_WORDS = "总结|打算|安排|思路|计划|情况|成效|亮点|不足|问题|举措|做法|目标|任务|工作|建设|成绩|重点"
_YEAR_SPLIT = re.compile(rf"^([^。！？!?;；\n ]{{2,30}}?(?:{_HEADING_WORDS}))(?:\d{{4}}|[xX×*]{{2,4}}|20[xX*]{{2}}|今)年[,，]")
_PLAN = re.compile(r"打算|思路|安排|计划|展望|下一步|下步|下半年|明年|(\d{4}|[xX]{2,4})年(工作)?(重点|目标|任务)$")
_REVIEW = re.compile(r"完成情况|成效|总结|做法|成绩|亮点")
MAX_LINE_TITLE = 50
MAX_RUN_IN_TITLE = 45


@dataclass(frozen=True)
class _Heading:
    style: str
    number: int
    start: int
    end: int  # end of the heading text (body starts here)
    marker: str
    title: str


def cn_to_int(text: str) -> int:
    """一..九十九 -> int (enough for list numbering)."""
    if text.isdigit():
        return int(text)
    digits = {ch: i + 1 for i, ch in enumerate(CN_DIGITS[:9])}
    if "十" not in text:
        return digits.get(text, 0)
    tens, _, ones = text.partition("十")
    return digits.get(tens, 1) * 10 + digits.get(ones, 0)


def parse_outline(text: str) -> list[Section]:
    """All headings of the text as a flat list of sections with levels and parents."""
    nested = _nest(_find_headings(text))
    headings = [h for h, _ in nested]
    sections: list[Section] = []
    first = headings[0].start if headings else len(text)
    if text[:first].strip():
        sections.append(Section(level=0, marker="", title="", heading="", body=text[:first].strip(), start=0, end=first))
    for i, (h, level) in enumerate(nested):
        end = headings[i + 1].start if i + 1 < len(headings) else len(text)
        parent = next((j for j in range(len(sections) - 1, -1, -1) if sections[j].level < level), None)
        sections.append(Section(
            level=level, marker=h.marker, title=h.title, heading=text[h.start:h.end].strip(),
            body=text[h.end:end].strip(), start=h.start, end=end, parent=parent,
        ))
    return _with_parts(sections)


def _find_headings(text: str) -> list[_Heading]:
    found: list[_Heading] = []
    last_end = -1
    for m in _ANY_MARKER.finditer(text):
        if found and m.start() < found[-1].end:
            continue
        style, number, marker_end = _which(text, m.start())
        if style is None or not _at_boundary(text, m.start(), last_end, style):
            continue
        title, end = _title(text, marker_end, style, line_start=m.start() == 0 or text[m.start() - 1] == "\n")
        if title is None:
            continue
        found.append(_Heading(style, number, m.start(), end, text[m.start():marker_end].strip(), title))
        last_end = end
    return found


def _which(text: str, pos: int) -> tuple[str | None, int, int]:
    for style, pattern in STYLES.items():
        m = pattern.match(text, pos)
        if m:
            return style, cn_to_int(m.group(1)), m.end()
    return None, 0, pos


def _at_boundary(text: str, pos: int, last_end: int, style: str) -> bool:
    """A heading starts a line, follows a finished sentence, or directly follows another heading."""
    if pos == 0 or pos == last_end:
        return True
    before = text[pos - 1]
    if style == "shi":  # 一是 after a comma is an inline point, not a heading
        return before in "\n。！？!?:：" or (before == " " and text[pos - 2:pos - 1] in "。！？!?")
    return before in "\n。！？!?；;:： "


def _title(text: str, start: int, style: str, line_start: bool) -> tuple[str | None, int]:
    """The heading's title and where the heading ends; (None, start) when this is no heading."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[start:line_end]
    if line_start and len(rest) <= MAX_LINE_TITLE and "。" not in rest.rstrip("。") and style != "shi":
        return _valid(rest.strip().rstrip("。:：")), line_end
    split = _YEAR_SPLIT.match(rest) if style != "shi" else None
    if split:  # 二、2024年工作安排2024年,我局将…: the body opens with a year right after the title
        return _valid(split.group(1)), start + len(split.group(1))
    window = rest[:MAX_RUN_IN_TITLE + 1]
    cut = _first_stop(window, style)
    if cut is None:
        return None, start
    if style == "shi" and (cut >= len(window) or window[cut] not in "。！？!?"):
        return None, start
    end = start + cut + (1 if cut < len(window) and window[cut] in _SENTENCE_END else 0)
    return _valid(window[:cut].strip()), end


def _first_stop(window: str, style: str) -> int | None:
    stops = [i for i, ch in enumerate(window) if ch in _SENTENCE_END or ch == " "]
    if style in ("cn", "cn_paren"):
        child = _CHILD_MARKER.search(window, 2)
        if child:
            stops.append(child.start())
    stops = [i for i in stops if i >= 2]
    return min(stops) if stops and min(stops) <= MAX_RUN_IN_TITLE else None


def _valid(title: str) -> str | None:
    cjk = sum(1 for ch in title if "\u4e00" <= ch <= "\u9fff")
    return title if cjk >= 2 else None


def _nest(headings: list[_Heading]) -> list[tuple[_Heading, int]]:
    """Keep candidates whose numbering fits (a style starts at 1 and counts up under its parent),
    with their level: a style already open closes everything below it, a new style nests."""
    kept: list[tuple[_Heading, int]] = []
    stack: list[_Heading] = []
    for h in headings:
        styles = [s.style for s in stack]
        if h.style in styles:
            i = styles.index(h.style)
            if not stack[i].number < h.number <= stack[i].number + 2:
                continue
            stack = stack[:i]
        elif h.number != 1:
            continue
        stack.append(h)
        kept.append((h, len(stack)))
    return kept


def _with_parts(sections: list[Section]) -> list[Section]:
    out: list[Section] = []
    for s in sections:
        if s.level <= 1:
            part: Part = "plan" if s.level == 1 and _PLAN.search(s.title) and not _REVIEW.search(s.title) else "review"
        else:
            part = out[s.parent].part if s.parent is not None else "review"
        out.append(replace(s, part=part))
    return out
