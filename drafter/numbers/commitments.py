"""Last year's plan as this year's checklist: the items of the previous summary's 工作打算 (力争…达到…, 拟新建…,
推动…), each found answered or not in this year's draft."""

import re
from dataclasses import dataclass

from drafter.models import Finding, Section
from drafter.numbers.checks import bigrams
from drafter.numbers.figures import ORG_SUFFIX

_CLAUSE = re.compile(r"[^。；;，,\n]+")
_SIGNATURE = re.compile(rf"[\u4e00-\u9fff]{{0,12}}{ORG_SUFFIX}\s*\d{{4}}年\d{{1,2}}月\d{{1,2}}日\s*$")
# words every plan item has: they say nothing about which item it is
_GENERIC = set("力争 推动 推进 加快 持续 进一 一步 步提 以上 全县 全市 全区 积极 不断 着力 切实 大力 进一 深化 "
               "提高 提升 加强 做好 抓好 确保 争取 全年 实现 工作 开展 重点 有效 稳步 发挥 作用".split())


@dataclass(frozen=True)
class Commitment:
    area: str  # the plan's sub-heading it sits under, as written (without its marker)
    text: str  # the item as written
    target: bool  # it states a figure to reach


def commitments(sections: list[Section]) -> list[Commitment]:
    """The items of a summary's plan part: clauses of its sub-sections (or of the plan itself when it has none),
    a short clause kept with the one before it; the plan's own introduction and signature left out."""
    plan = [s for s in sections if s.part == "plan" and s.body.strip()]
    subs = [s for s in plan if s.level >= 2] or plan
    out = []
    for s in subs:
        clauses: list[str] = []
        for m in _CLAUSE.finditer(_SIGNATURE.sub("", s.body)):
            clause = m.group(0).strip()
            if len(clause) < 8 and clauses:
                clauses[-1] += "，" + clause
            elif clause:
                clauses.append(clause)
        out += [Commitment(s.title or s.heading, c, bool(re.search(r"\d", c))) for c in clauses if len(c) >= 8]
    return out


def answered(item: Commitment, text: str) -> bool:
    """This year's text speaks of the item: most of its own two-character words are in it."""
    words = _words(item.text)
    return bool(words) and len(words & _words(text)) >= 0.4 * len(words)


def unanswered_findings(items: list[Commitment], text: str, year: int) -> list[Finding]:
    return [Finding("plan_unanswered", 0, 0, item.text, f"{year}年的工作打算中“{item.text}”（{item.area}），今年的稿中没有写到落实情况。",
                    "写明完成情况；没有完成的如实说明。") for item in items if not answered(item, text)]


def _words(text: str) -> set[str]:
    return bigrams(text) - _GENERIC
