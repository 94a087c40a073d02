"""Sections whose figures are written by code (`llm_numbers = "code"`, for models that invent figures).

The offline drafter's text of the section is its frame; every figure and every 【…】 marker in it becomes a token
[1] [2] …; the model rewrites the frame into prose around the tokens and is asked to write no figure of its own;
code puts the figures back. A token the model drops is a fact dropped (a finding, never silent); a figure the
model writes anyway has no place in the text and goes with its clause."""

import re

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
