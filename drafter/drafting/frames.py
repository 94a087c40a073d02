"""Sections whose figures are written by code (`llm_numbers = "code"`, for models that invent figures).

The lines of the table's figures are code's; the rest of the offline drafter's text (the notes as points, the
plan's introduction, the opening) is the frame: every figure and 【…】 marker in it becomes a token [1] [2] … (its
unit inside), the model rewrites the frame into prose around the tokens and is asked to write no figure of its
own, code puts the figures back. What a small model adds that is not the section goes: a figure it writes anyway
(with its clause), its own outline or the prompt said back, a point written twice; a note it drops is put back
as the frame had it."""

import re

from drafter.drafting import skeleton, textops
from drafter.numbers.checks import bigrams
from drafter.outline_spec import PlannedSection

UNIT = r"(?:%|％|个百分点|亿元|万元|元|万人次|人次|场次|家|个|项|件|人|名|位|场|次|份|所|批|台|套|篇|年|月|日|天)"
# a token, and a unit the model may have written after it (the token's value has its own)
TOKEN = re.compile(rf"[\[［](\d{{1,3}})[\]］](?:{UNIT})?")
# a marker whole; a number with its decimals and its unit (16家, 5.30亿元, 14.7%, 2025年)
_FIGURE = re.compile(rf"【[^】]*】|\d+(?:[.,]\d+)*{UNIT}?")
_STOPS = "，。；！？：\n"


def frame(text: str) -> tuple[str, dict[str, str]]:
    """The text with its figures and markers as tokens, and the token → original text map."""
    values: dict[str, str] = {}

    def token(m: re.Match) -> str:
        values[str(len(values) + 1)] = m.group(0)
        return f"[{len(values)}]"

    return _FIGURE.sub(token, text), values


def fill(answer: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """The answer with the figures (units included) back in place of their tokens, and the figures whose token
    it lost; a unit written after a token is the token's own, said twice. A token that is not the frame's stays
    as written and is caught by the checks as a figure without a source."""
    used: set[str] = set()

    def back(m: re.Match) -> str:
        if m[1] in values:
            used.add(m[1])
            return values[m[1]]
        return m.group(0)

    return TOKEN.sub(back, answer), [v for k, v in values.items() if k not in used]


def without_clause(text: str, start: int, end: int) -> str:
    """The text without the clause holding [start, end): from the stop before it to the stop after it, keeping
    the sentence's end when the clause was its last (…，甲，乙。 → …，甲。)."""
    left = max(text.rfind(c, 0, start) for c in _STOPS)
    rights = [i for c in _STOPS if (i := text.find(c, end)) != -1]
    right = min(rights) if rights else len(text)
    closing = text[right] if right < len(text) else ""
    if closing in ("。", "；", "！", "？", "\n") and left >= 0 and text[left] == "，":
        return text[:left] + text[right:]
    return text[:left + 1] + text[right + 1:]


# what a framed answer may not hold: a token the frame does not have, a masked old figure 〔N〕, any figure
OWN_FIGURE = re.compile(r"[\[［]\d{1,3}[\]］]|〔[^〕]*〕|\d+(?:[.,]\d+)*")

_BRACKET_LINE = re.compile(r"^【(?!待核实|待补充)([^】\n]{1,40})】[:：]?\s*$", re.M)
# a bracketed line naming another part of the document or of the prompt: what follows is not this section
_ELSEWHERE = re.compile(r"问题|不足|打算|计划|思路|要求|底稿|笔记|注意|草稿|修改|参考|往年|材料|事实表")


def own_part(answer: str, section: PlannedSection) -> str:
    """What a small model wrote of this section: up to a line such as 【存在的问题】 or 【改写要求】 (its own outline of
    the summary, or the prompt said back), other bracketed title lines dropped; the opening is one paragraph."""
    for m in _BRACKET_LINE.finditer(answer):
        if _ELSEWHERE.search(m.group(1)):
            answer = answer[:m.start()]
            break
    answer = _BRACKET_LINE.sub("", answer).strip()
    if section.title:  # 一是创新平台载体建设。 alone: the section's own title written as a point
        answer = re.sub(rf"^[一二三四五六七八九十]+是{re.escape(section.title)}[。：:]?$", "", answer, flags=re.M).strip()
    if section.spec.prompt == "lead":
        answer = answer.split("\n\n")[0]
    return re.sub(r"\n{3,}", "\n\n", once_each(answer))


def with_note(text: str, note: str) -> str:
    """A note the model's text lost put back as the frame had it: in place of the point that speaks of it (one that
    lost the note's figure), else as a point of its own at the end."""
    point = skeleton.bare_points([note])[2:]  # 一是 taken off: the point keeps the place it is put in
    words = bigrams(note)
    starts = [m.end() for m in _POINT.finditer(text)]
    ends = [m.start() for m in _POINT.finditer(text)][1:] + [len(text)]
    best = max(zip(starts, ends), key=lambda se: len(words & bigrams(text[se[0]:se[1]])), default=None)
    if best and words and len(words & bigrams(text[best[0]:best[1]])) >= 0.5 * len(words):
        tail = re.search(r"\s*$", text[best[0]:best[1]]).group(0)
        return text[:best[0]] + point + tail + text[best[1]:]
    return textops.number_in_order(f"{text}\n\n一是{point}" if text else f"一是{point}")


_POINT = re.compile(r"(?:(?<=^)|(?<=[。；！？\n]))[一二三四五六七八九十]+是")


def once_each(text: str) -> str:
    """Points a small model wrote twice (四是…, 五是… repeating 一是…, 二是…) kept once."""
    starts = [m.start() for m in _POINT.finditer(text)] + [len(text)]
    if len(starts) < 3:
        return text
    kept, seen = [text[:starts[0]]], []
    for a, b in zip(starts, starts[1:]):
        point = text[a:b]
        words = bigrams(_POINT.sub("", point, count=1))
        if any(words and len(words & s) >= 0.7 * len(words | s) for s in seen):
            continue
        seen.append(words)
        kept.append(point)
    return "".join(kept).rstrip()
