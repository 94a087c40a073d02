"""The offline drafter: no model at all. Each section is built from the facts table (a sentence
pattern per indicator), the writer's notes written as 一是…二是…, and for each point one short
phrase of past phrasing, numbers masked, marked as 参考表述 for the writer to adapt or delete."""

import re

from drafter.drafting.context import (
    STALE_TOPICS,
    Exemplar,
    derived_phrase,
    falls_short,
    headline_facts,
    next_period,
    say,
    worth_saying,
)
from drafter.drafting.outlines import PlannedSection, cn_ordinal
from drafter.numbers.checks import unwritten_topics
from drafter.numbers.facts import Fact, FactsTable, area, pending
from drafter.numbers.figures import indicator as catalog_entry
from drafter.stores.lexical import tokenize

PHRASE_MIN, PHRASE_MAX = 6, 19  # short enough never to count as copied text
# old names, numbers and counted Chinese numerals (七成, 三家) are facts of another year, not phrasing
_NAMED = re.compile(r"公司|大学|学院|集团|医院|〔|\d|[A-Za-z]|“|”|《|》|[一二两三四五六七八九十百千万]+[成倍个家项件人名次场批所]")
_LEADING_MARK = re.compile(r"^(?:[一二三四五六七八九十]+是|[（(]?[一二三四五六七八九十\d]+[)）、.．])")
_END = "。！？；"


def body(section: PlannedSection, table: FactsTable, exemplars: list[Exemplar]) -> str:
    phrases = _Phrases(exemplars, table.org)
    paragraphs = []
    if statement := facts_sentence(table.stated(section.spec.id), table):
        paragraphs.append(statement)
    notes = list(table.notes.get(section.spec.id, ()))
    if notes:
        paragraphs.append(points(notes, phrases))
    elif not paragraphs:
        paragraphs.append("【待补充：本部分的具体工作】" + phrases.hint("", count=2))
    return unpromised("\n\n".join(paragraphs), section)


def unpromised(text: str, section: PlannedSection) -> str:
    """A topic of the heading the section has no material for (科技特派员 in 科技人才与科技特派员) gets one
    【待补充】 marker: a heading never promises silently what the body does not hold."""
    missing = unwritten_topics(section.title, section.spec.query, text) if "【待补充：本部分" not in text else []
    return text + "".join(f"【待补充：{topic}方面的工作】" for topic in missing)


def facts_sentence(facts: list[Fact], table: FactsTable) -> str:
    """全年新认定高新技术企业16家；全县高新技术企业总数达到98家，完成年度目标的103.2%。"""
    clauses = [_fact_clause(f, facts, table) for f in facts]
    if not clauses:
        return ""
    when = "上半年" if table.period == "H1" else "全年"
    first = clauses[0]
    return ("" if first.startswith(("全", "【")) else when) + "；".join(clauses) + "。"


def _fact_clause(f: Fact, siblings: list[Fact], table: FactsTable) -> str:
    where = area(table.org)
    if f.value is None:
        return pending(f, table) + (f"，上年为{f.prior_said()}" if f.prior is not None else "")
    parts = [say(f, area=where)]
    known = catalog_entry(f.indicator)
    change = known.change if known else ("points" if f.unit == "%" else "growth")
    wanted = {"growth": "同比增长", "delta": "增量", "points": "提高"}.get(change or "")
    stated = {(s.value, s.unit) for s in siblings if s is not f}
    if wanted == "同比增长" and not all(worth_saying(f, d) for d in f.derived):
        wanted = "增量"  # 3 → 4: 增加1个, not 增长33.3%
    for d in f.derived:  # a fall is for 存在的问题, not for a section of results
        if d.name == wanted and d.value >= 0 and not (d.name == "增量" and (d.value, d.unit) in stated):
            parts.append(derived_phrase(d.name, d.value, d.text, d.unit))
        if d.name == "完成率":
            parts.append(derived_phrase(d.name, d.value, d.text, d.unit, annual=table.period == "annual"))
    if f.target is not None and f.unit == "%":
        parts.append(f"年度目标为{f.text('target')}%")
    return "，".join(parts)


def points(lines: list[str], phrases: "_Phrases") -> str:
    """Notes as 一是…。二是…。, each followed by one reference phrase."""
    out = []
    for i, line in enumerate(lines, 1):
        line = _LEADING_MARK.sub("", line.strip()).rstrip("，,;；")
        if line[-1:] not in _END:
            line += "。"
        out.append(f"{cn_ordinal(i)}是{line}{phrases.hint(line)}")
    return "".join(out)


def bare_points(lines: list[str]) -> str:
    """Notes as 一是…。二是…。 with no reference phrases."""
    return points(lines, _Phrases([], ""))


def lead(table: FactsTable, sections: list[PlannedSection]) -> str:
    body_titles = _work_titles(sections)[:4]
    notes = [n.rstrip("。") for n in table.notes.get("lead", ())]
    opening = f"{table.year}年{'上半年' if table.period == 'H1' else ''}，{table.org}"
    opening += "，".join(notes) if notes else f"围绕{'、'.join(body_titles)}等重点工作，逐项抓好年度任务落实"
    spec = next((s.spec for s in sections if s.spec.prompt == "lead"), None)
    numbers = facts_sentence(headline_facts(table, sections, spec.headline if spec else 4), table)
    return f"{opening}。{numbers}现将有关情况总结如下。"


def problems(section: PlannedSection, table: FactsTable, exemplars: list[Exemplar]) -> str:
    phrases = _Phrases(exemplars, table.org, wanted=_PROBLEM)
    lines = list(table.notes.get(section.spec.id, ())) + shortfall_lines(table)
    if not lines:
        return "【待补充：本年工作中存在的具体问题】" + phrases.hint("", count=2)
    return points(lines, phrases)


def shortfall_lines(table: FactsTable) -> list[str]:
    """部分指标未完成年度目标，…；部分指标同比回落，…: the table's shortfalls, as points of 存在的问题."""
    lines = []
    missed = [f for f in table.facts if (r := f.get("完成率")) and r.value < 100]
    if missed:
        lines.append("部分指标未完成年度目标，" + "；".join(
            f"{say(f, area=area(table.org))}，{derived_phrase('完成率', 0, f.get('完成率').text, '%')}" for f in missed))
    fell = [f for f in table.facts if falls_short(f) and (g := f.get("同比增长") or f.get("提高")) and g.value < 0]
    if fell:
        lines.append("部分指标同比回落，" + "；".join(
            f"{say(f, area=area(table.org))}，{derived_phrase(d.name, d.value, d.text, d.unit)}"
            for f in fell if (d := f.get("同比增长") or f.get("提高"))))
    return lines


def goals_line(table: FactsTable) -> str:
    """确保主要指标稳步增长，目标为：…: next year's targets, as the first point of 工作打算 ("" without any)."""
    goals = [f for f in table.facts if f.next_target is not None]
    return "确保主要指标稳步增长，目标为：" + "，".join(say(f, "next_target", area(table.org)) for f in goals) if goals else ""


def plan(section: PlannedSection, table: FactsTable, sections: list[PlannedSection], exemplars: list[Exemplar]) -> str:
    phrases = _Phrases(exemplars, table.org, wanted=_PLAN)
    when = next_period(table)
    titles = _work_titles(sections)[:5]
    intro = f"{when}，{table.org}将围绕{'、'.join(titles)}等重点，抓好以下工作。"
    lines = [line for line in [goals_line(table)] if line] + list(table.notes.get(section.spec.id, ()))
    if not lines:
        return intro + "\n\n【待补充：下一步的具体打算】" + phrases.hint("", count=2)
    return intro + "\n\n" + points(lines, phrases)


def _work_titles(sections: list[PlannedSection]) -> list[str]:
    """Titles of the body sections that describe work (those written in points), for an overview sentence."""
    return [s.title for s in sections if s.spec.kind == "body" and s.spec.points]


# a clause worth offering: not a fragment (但…, 在农业科技上), not a stale topic, in the section's mood
_FRAGMENT = re.compile(r"^(?:但|而|并|且|和|及|与|对|在|从|以|为|把|将|同时|其中|特别是)|(?:上|中|下|时|后|方面|等)$")
_PRAISE = re.compile(r"成效|显著|明显|稳步|突破|成功|取得|提升了|增强")
_PROBLEM = re.compile(r"不足|不够|偏低|偏少|偏弱|短板|薄弱|滞后|有待|仍需|还需|缺乏|不强|不高|紧缺|不平衡|较少|较弱|难以")
_PLAN = re.compile(r"加快|推动|力争|着力|进一步|持续|深化|强化|完善|推进|建立|实施|开展")


_COMMON = set("科技 企业 工作 推动 开展 全县 全市 建设 服务 创新 组织 加强 提升 进一步 完成".split())


class _Phrases:
    """Whole clauses of the bureau's own past wording, without numbers or names, handed out once each and
    only where they share a word with the point they follow: none rather than a poor one."""

    def __init__(self, exemplars: list[Exemplar], org: str, wanted: re.Pattern | None = None):
        self.pool: list[str] = []
        for e in exemplars:
            if e.org != org:
                continue  # another bureau's phrasing names its own places and firms
            for clause in re.split(r"[，,；;。！？\s]", e.text)[1:]:  # the first clause is the heading
                clause = _LEADING_MARK.sub("", clause.strip())
                if self._usable(clause, wanted):
                    self.pool.append(clause)

    def _usable(self, clause: str, wanted: re.Pattern | None) -> bool:
        if not PHRASE_MIN <= len(clause) <= PHRASE_MAX or clause in self.pool:
            return False
        if _NAMED.search(clause) or _FRAGMENT.search(clause) or STALE_TOPICS.search(clause):
            return False
        if wanted is _PROBLEM:
            return bool(_PROBLEM.search(clause)) and not _PRAISE.search(clause)
        return wanted is None or bool(wanted.search(clause))

    def hint(self, line: str, count: int = 1) -> str:
        words = {w for w in tokenize(line) if len(w) >= 2} - _COMMON
        ranked = sorted(((len(words & set(tokenize(c))), c) for c in self.pool), key=lambda x: -x[0])
        chosen = [c for n, c in ranked[:count] if n > 0 or not line]
        for c in chosen:
            self.pool.remove(c)
        return f"（参考表述：{'；'.join(chosen)}）" if chosen else ""
