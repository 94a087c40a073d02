"""What each section's prompt sees: its facts rows written out, the writer's notes, and masked
exemplars of past phrasing chosen by relevance within a character budget."""

import re
from dataclasses import dataclass

from drafter.drafting.outlines import PlannedSection
from drafter.ingest.admission import injections
from drafter.ingest.clean import as_written
from drafter.numbers.checks import year_themes
from drafter.numbers.facts import Fact, FactsTable, pending
from drafter.numbers.figures import COUNT_UNITS, ORG, ORG_SUFFIX
from drafter.numbers.figures import indicator as catalog_entry

EXEMPLARS_PER_SECTION = 8


@dataclass(frozen=True)
class Exemplar:
    doc: str  # file name
    section: str  # heading of the past section
    text: str  # numbers masked as 〔N〕
    score: float = 0.0
    org: str = ""  # the bureau whose summary it is

    @property
    def source(self) -> str:
        return f"{self.doc} · {self.section}"


def next_period(table: FactsTable) -> str:
    return "下半年" if table.period == "H1" else f"{table.year + 1}年"


def year_theme(year: int) -> str:
    """Where a year stands in the national plans (“十四五”开局之年), as the plan for it says; "" if not known."""
    return year_themes().get(year, "")


def fact_line(f: Fact, table: FactsTable, *, with_next: bool = False, results: bool = False, brief: bool = False) -> str:
    """One facts row as the prompt shows it: 高新技术企业总数：本年98家；上年85家；比上年增加13家；…
    In a section of results (`results`) a row that fell shows this year's value only: an office does not
    volunteer 650 against 712 there; the fall is for 存在的问题. `brief`: this year's value only (the opening's main
    figures; a section whose comparisons the main indicators' section states)."""
    if f.value is None:
        line = f"{f.indicator}：写到这项指标时原样写{pending(f, table)}"
        return line + (f"；上年{f.prior_said()}，可以照写" if f.prior is not None else "")
    parts = [f"{f.indicator}：本年{f.text()}{f.unit}"]
    if brief:
        return parts[0]
    if results and fell(f):
        rate = f.get("完成率")
        parts += [derived_phrase(rate.name, rate.value, rate.text, rate.unit, annual=table.period == "annual")] \
            if rate else []
        return "；".join(parts) + "（比上年减少：本部分只写本年数值，不写上年数值和增减）"
    if f.prior is not None and not f.prior_rough:  # 上年超过5000万元 next to 5200万元 says nothing; no 同比 of it either
        parts.append(f"上年{f.prior_said()}")
    for d in f.derived:
        if not worth_saying(f, d):
            continue
        phrase = derived_phrase(d.name, d.value, d.text, d.unit, annual=table.period == "annual")
        if d.name == "完成率" and f.target_source:  # a target of last year's plan is named with its amount
            phrase = re.sub(r"目标", f"目标（{f.text('target')}{f.unit}）", phrase, count=1)
        if phrase not in parts:  # 增量 0 and 同比 0 both read 与上年持平
            parts.append(phrase)
    if with_next and f.next_target is not None:
        parts.append(f"{next_period(table)}目标{f.text('next_target')}{f.unit}")
    return "；".join(parts)


def worth_saying(f: Fact, d) -> bool:
    """A change in per cent of a small count (3 → 4 孵化器: 33.3%) says nothing an office would write: its 增量 does."""
    return not (d.name == "同比增长" and f.unit in COUNT_UNITS and f.prior is not None and abs(f.prior) < 10)


def fell(f: Fact) -> bool:
    """The row's value is below last year's."""
    return any(d.name in ("增量", "同比增长", "提高") and d.value < 0 for d in f.derived)


def derived_phrase(name: str, value: float, text: str, unit: str, *, annual: bool = True) -> str:
    """增量 13 家 -> 比上年增加13家; 同比增长 -3.2 -> 同比下降3.2%; 完成率 103.2 -> 完成年度目标的103.2%."""
    if name == "增量":
        return "与上年持平" if value == 0 else f"比上年{'增加' if value > 0 else '减少'}{text}{unit}"
    if name == "同比增长":
        return "与上年持平" if value == 0 else f"同比{'增长' if value > 0 else '下降'}{text}%"
    if name == "提高":
        return "与上年持平" if value == 0 else f"比上年{'提高' if value > 0 else '下降'}{text}个百分点"
    if value == 100:
        return f"完成{'年度' if annual else '全年'}目标"
    return f"完成{'年度' if annual else '全年'}目标的{text}%"


def points(wanted: int, notes: int) -> int:
    """How many 一是/二是 points a body section can fill: no more than the writer's notes, none below two."""
    n = min(wanted, notes)
    return n if n >= 2 else 0


def section_facts(section: PlannedSection, table: FactsTable, overview: str | None = None
                  ) -> tuple[list[str], list[str]]:
    """(facts lines, missing lines) of a body section. Under an outline whose （一） is an overview of the main
    indicators (`overview`: its id), that section states every figure with its comparisons and the others only
    this year's values of their own: the same 比上年…同比…完成… is not said twice."""
    if section.spec.id == overview:
        rows = [f for f in table.facts if f.value is not None or f.listed]
    else:
        rows = table.stated(section.spec.id)
    brief = overview is not None and section.spec.id != overview
    return ([fact_line(f, table, results=True, brief=brief) for f in rows if f.value is not None],
            [fact_line(f, table) for f in rows if f.value is None and not brief])


def overview_of(sections: list[PlannedSection]) -> str | None:
    """The section that sets out the year's main indicators as a whole (（一）科技创新主要指标稳中有进), if the outline
    has one on: its title names 指标."""
    return next((s.spec.id for s in sections if s.spec.id == "indicators" and "指标" in s.title), None)


def headline_facts(table: FactsTable, sections: list[PlannedSection], limit: int = 4) -> list[Fact]:
    """The figures an opening paragraph leads with, by weight: a target met (the writer's own targets before
    those taken from last year's plan), a stock (总数, 产值) over a yearly count, growth; a decline is for 存在的问题, not for the opening. One per body section first."""
    body = [s.spec.id for s in sections if s.spec.kind == "body"]
    rows = [f for f in table.facts if f.section in body and f.value is not None]
    ranked = sorted(rows, key=lambda f: -_weight(f))
    chosen: list[Fact] = []
    for f in ranked:  # the strongest of each section, then the next strongest anywhere
        if _weight(f) > 0 and all(c.section != f.section for c in chosen):
            chosen.append(f)
    chosen += [f for f in ranked if f not in chosen and _weight(f) > 0]
    # the year's main results first; of equal weight, in the order the body's own sections report them, a row only the
    # overview of all indicators holds (争取上级资金 where no section is about it) after them
    overview = overview_of(sections)
    return sorted(chosen[:limit], key=lambda f: (-_weight(f), f.section == overview, body.index(f.section), rows.index(f)))


def _weight(f: Fact) -> float:
    rate, growth = f.get("完成率"), f.get("同比增长") or f.get("提高")
    if growth and growth.value < 0 or rate and rate.value < 100:
        return -1.0
    weight = 1.0 + (2.0 if rate else 0.0) + (1.0 if growth else 0.0)
    weight += 0.5 if rate and not f.target_source else 0.0  # a target the writer set is one the bureau reports on
    return weight + (0.0 if re.match(r"新增|净增", f.indicator) else 1.0)


def headline(table: FactsTable, sections: list[PlannedSection], limit: int = 4) -> list[str]:
    return [fact_line(f, table, brief=True) for f in headline_facts(table, sections, limit)] if limit else []


def target_tally(table: FactsTable) -> str:
    """How the rows with a target of the year did, judged by code, in words with no count a check would have to
    source (年度目标指标全部完成; …中科技型中小企业入库数未完成，其余均完成); "" for a half-year, a table
    without targets, or one whose targets differ from last year's plan."""
    rows = [f for f in table.facts if f.value is not None and f.get("完成率")]
    if table.period != "annual" or not rows or any(f.plan_target is not None for f in rows):
        return ""  # a target the facts file sets apart from last year's plan (300 against 330): not for code to sum up
    missed = [f.indicator for f in rows if f.get("完成率").value < 100]
    if not missed:
        return "年度目标指标全部完成" if len(rows) > 1 else f"{rows[0].indicator}完成年度目标"
    return f"年度目标指标中，{'、'.join(missed)}未完成年度目标" + ("，其余均完成" if len(missed) < len(rows) else "")


def shortfalls(table: FactsTable) -> list[str]:
    """Targets missed and values that fell: a 存在问题 section must state them."""
    return [fact_line(f, table) for f in table.facts if falls_short(f)]


def falls_short(f: Fact) -> bool:
    """A target missed, or a value that fell on last year; a yearly count of new ones (新增, 净增) that fell without a
    target missed (净增49 against 76 while the total rose) is the year's swing, not a problem to report."""
    rate, growth = f.get("完成率"), f.get("同比增长") or f.get("提高")
    if rate and rate.value < 100:
        return True
    return bool(growth and growth.value < 0 and not re.match(r"新增|净增", f.indicator))


def targets(table: FactsTable) -> list[str]:
    return [f"{f.indicator}：{next_period(table)}目标{f.text('next_target')}{f.unit}"
            for f in table.facts if f.next_target is not None]


def same_kind(org: str, other: str) -> bool:
    """Bureaus of the same kind: the name after the place is the same (示例县科学技术局, 示范市科技局)."""
    def kind(name: str) -> str:
        m = ORG.match(name)
        return re.sub(r"^(?:科技局|科学技术委员会|科委)$", "科学技术局", name[len(m.group(1)):] if m else name)
    return kind(org) == kind(other)


def search_exemplars(retriever, section: PlannedSection, table: FactsTable, count: int = EXEMPLARS_PER_SECTION
                     ) -> list[Exemplar]:
    """Past passages worth imitating for the section: the bureau's own first, never this year's own
    document, in the section's tense (results for the year's work, plans for 工作打算), whole passages."""
    if retriever is None or not section.spec.query or count <= 0:
        return []
    part = "plan" if section.spec.prompt == "plan" else "review"
    query = f"{section.title} {section.spec.query}"
    common = dict(exclude_year=table.year, year_to=table.year, part=part)
    pool = max(count, 4) * 2  # some are filtered out below
    hits = retriever.search(query, k=pool, org=table.org, topic=section.spec.topic, **common)
    seen = {h.id for h in hits}
    hits += [h for h in retriever.search(query, k=pool, topic=section.spec.topic, **common)
             if h.id not in seen and same_kind(h.org or "", table.org)]  # a 统计局's work is no model for a 城管局
    good = []
    for h in hits:
        heading = h.section.split(" > ")[-1]
        if not injections(h.text) and worth_imitating(text := exemplar_text(h.text, heading)):
            good.append(Exemplar(h.doc, as_written(heading[:30]), text, h.score, h.org or ""))
    return good[:count]


STALE_TOPICS = re.compile(r"疫情|新冠|复工复产|党史学习教育|防疫|建党百年")  # past years' topics, not this year's
_TITLE = re.compile(r"工作总结|工作打算|工作思路|工作要点")
_FRAGMENT_START = re.compile(r"^(?:[,，、；;。）)]|和|与|及|并|等|的|以及|同时)")
_BLANKS = re.compile(r"[xX×＊*]{2,}|某某|(?<=[\u4e00-\u9fff])[xX](?=[\u4e00-\u9fff])")  # a template with blanks to fill (帮助xxx企业), not phrasing


def worth_imitating(text: str) -> bool:
    """A whole passage of running text: not a heading alone, not a title or signature glued on, not a
    fragment cut mid-sentence, not a stale topic."""
    body = text.strip()
    if len(body) < 40 or not re.search(r"[。；;]", body) or _FRAGMENT_START.match(body) or _BLANKS.search(body):
        return False
    return not (_TITLE.search(body) or STALE_TOPICS.search(body))


# fixed phrases whose numerals are names, not statistics: they stay as written
_FIXED = re.compile(r"中央八项规定|[一二三四五六七八九十]+个(?:面向|全面|意识|自信|维护|坚持|必须|统筹)|[一二三四五六七八九十]+大"
                    r"|十[一二三四五六七八九]五|[“\"][^”\"]{1,12}[”\"]|\d+·\d+|《[^》]{1,40}》")
# the passage's own heading: on a line of its own, or a short title sentence glued on (1.突出高企培育。深入实施…)
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])"
                            r"(?:[^。；，\n]{0,30}?(?:\s+|\n)|[^。；，！\n]{2,24}[。！])")
_SIGNATURE_END = re.compile(rf"[\u4e00-\u9fff]{{2,12}}{ORG_SUFFIX}\s*(?:\d{{4}}|〔N〕)年(?:\d{{1,2}}|〔N〕)月(?:\d{{1,2}}|〔N〕)日\s*$")
_COMPANY = re.compile(r"[\u4e00-\u9fff]{2,14}?(?:股份有限公司|有限责任公司|有限公司|集团|公司)")
# a township or street by name (蓝湾镇, 城东街道); 城镇化, 乡镇, 重点镇 are words, not places
_PLACE = re.compile(r"[\u4e00-\u9fff]{2}(?:镇|街道)(?![化级域区])")
_NOT_PLACE = re.compile(r"[城乡村集重小特乡][镇]|[等在各的对和与]\S?街道|^(?:全|各|本|我|该)")


def exemplar_text(text: str, heading: str = "") -> str:
    """A past passage as the prompt shows it: full-width punctuation, statistics masked as 〔N〕, company
    and place names masked so the model cannot reuse them, fixed phrases (中央八项规定) kept."""
    from drafter.ingest.passages import mask

    kept: list[str] = []

    def keep(m: re.Match) -> str:
        kept.append(m.group(0))
        return chr(0xE000 + len(kept) - 1)  # a private-use character: no digit for the masking to touch

    text, heading = as_written(text).strip(), as_written(heading).strip()
    if heading and text.startswith(heading):  # the passage's own heading is not phrasing
        text = text[len(heading):].lstrip("。． \n")
    text = _HEADING_START.sub("", text)
    text = _SIGNATURE_END.sub("", text).strip()
    text = _FIXED.sub(keep, text)
    text = _PLACE.sub(lambda m: m.group(0) if _NOT_PLACE.search(m.group(0)) else "〔某地〕",
                      _COMPANY.sub("〔某企业〕", mask(text)))
    return re.sub("[\ue000-\uf8ff]", lambda m: kept[ord(m.group(0)) - 0xE000], text)


def within_budget(fixed: list[str], exemplars: list[Exemplar], budget: int) -> list[Exemplar]:
    """Exemplars in rank order while facts, notes and exemplars together stay within the budget."""
    used = sum(len(x) for x in fixed)
    out = []
    for e in exemplars:
        if used + len(e.text) + len(e.source) > budget:
            break
        out.append(e)
        used += len(e.text) + len(e.source)
    return out


def fit_bodies(bodies: list[dict], budget: int) -> list[dict]:
    """Body sections for a synthesis prompt, each cut to its share of the budget when they are too long."""
    total = sum(len(b["text"]) for b in bodies)
    if total <= budget or not bodies:
        return bodies
    share = max(80, budget // len(bodies))
    return [{"heading": b["heading"], "text": b["text"][:share] + ("……" if len(b["text"]) > share else "")}
            for b in bodies]


def say(f: Fact, which: str = "value", area: str = "全县") -> str:
    """The catalog's way to state a value: 全县高新技术企业总数达到98家."""
    known = catalog_entry(f.indicator)
    pattern = known.say if known else "{indicator}{value}{unit}"
    return pattern.format(indicator=f.indicator, value=f.text(which), unit=f.unit, area=area)
