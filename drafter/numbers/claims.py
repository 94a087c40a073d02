"""Numbers read as claims and verified by meaning.

A claim is what a number in context says: which facts row it is about (the indicator named nearest
before it in its sentence), in which role (this year's value, last year's, a target, a change on last
year, a completion rate), with which qualifier (近, 超, 余). A claim about a named indicator must state
that indicator's own cell; a known value in the wrong place is reported for what it is (another
indicator's, last year's, a target), not accepted because the value exists somewhere.
"""

import re
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import cache

from drafter.models import Finding
from drafter.numbers.facts import EQUIVALENT, MONEY, Fact, FactsTable, area
from drafter.numbers.figures import indicator as catalog_entry
from drafter.stores.lexical import leading_place

_SENTENCE_START = "。！？；;\n"
_CLAUSE_BREAK = ("，", ",", "；", ";", "。", "！", "？", "\n", "（含", "（其中", "（包括")  # （含…5.36亿元）: a part of its own
# units one counts the same thing in (研发机构 5个 / 5家); others (场 vs 家, 人 vs 人次) are different things
_QUALIFIER_BEFORE = re.compile(r"(近|接近|将近|约|超过|超|逾|突破|不到|不足)$")
_RANK = re.compile(r"(?:位居|位列|居于|排名|排在|保持|跻身|走在|升至|上升至|提升至|降至|下降至|居|列)([^，。；,;]{0,8}?)(?:第\s*([一二三四五六七八九十\d]{1,3})\s*(?:位|名)?|前\s*([一二三四五六七八九十\d]{1,2})(?:位|名)?|前列|前茅|第一方阵|首位)")


@dataclass(frozen=True)
class Claim:
    start: int
    end: int
    text: str
    value: float
    unit: str | None
    indicator: str | None  # the facts row named for it
    role: str  # value | prior | target | next_target | 增量 | 同比增长 | 提高 | 完成率
    qualifier: str | None
    variant: str | None = None  # new | net | total: what the words before it say is counted
    direction: int = 0  # for a change: +1 when the words say it rose (增长, 增加, 提高), -1 fell (下降, 减少), 0 unsaid


def _base(unit: str | None) -> str | None:
    """万吨/年 counts in 万吨: a capacity per year is stated with or without its /年."""
    return re.sub(r"/[年日天]$", "", unit) if unit else unit


def same_unit(a: str | None, b: str | None) -> bool:
    a, b = _base(a), _base(b)
    if not a or not b or a == b:
        return True
    if a in ("万", "亿") and b.startswith(a) or b in ("万", "亿") and a.startswith(b):  # 10万株 of a row in 万
        return True
    if _scale(a, b) is not None:  # 5.8万人 of a row in 人
        return True
    return (a in MONEY and b in MONEY) or any(a in group and b in group for group in EQUIVALENT)


_MAGNITUDE = {"万": 1e4, "亿": 1e8}


def _scale(a: str, b: str) -> float | None:
    """How many b one a is when they count the same thing in another magnitude (万人 → 人: 10000); None otherwise."""
    if a[:1] in _MAGNITUDE and len(a) > 1 and a not in MONEY and same_unit(a[1:], b) and b[:1] not in _MAGNITUDE:
        return _MAGNITUDE[a[0]]
    if b[:1] in _MAGNITUDE and len(b) > 1 and b not in MONEY and same_unit(a, b[1:]) and a[:1] not in _MAGNITUDE:
        return 1 / _MAGNITUDE[b[0]]
    return None


def convert(value: float, unit: str | None, to: str | None) -> float:
    """A value in `unit` expressed in `to`: money (万元 → 亿元) and counts in 万 (5.8万人 → 人); as it is otherwise."""
    unit, to = _base(unit), _base(to)
    if unit in MONEY and to in MONEY:
        return value * MONEY[unit] / MONEY[to]
    factor = _scale(unit, to) if unit and to and unit != to else None
    return value * factor if factor else value


def equal(value: float, unit: str | None, text: str, other: float, other_unit: str) -> bool:
    """A stated value equals a table value, to the precision it is written with (money and 万 converted); a
    rounder figure is accepted only within half a percent (289亿元 for 289.40, never 5亿元 for 5.30)."""
    other = convert(other, other_unit, unit)
    number = re.match(r"[\d,.]+", text)
    decimals = len(number.group(0).split(".")[1]) if number and "." in number.group(0) else 0
    tolerance = 0.5 * 10 ** -decimals
    if text.endswith("成"):  # 六成 of 58.3%: tenths, as round as they are
        return abs(value - other) <= 5 + 1e-9
    if decimals == 0 or abs(other) >= 100:
        tolerance = min(tolerance, max(0.005 * abs(other), 1e-9))
    return abs(value - other) <= tolerance + 1e-9


def patterns(name: str) -> list[re.Pattern]:
    known = catalog_entry(name)
    return [re.compile(re.escape(name)), *(known.aliases if known else ())]


def named(text: str, pos: int, names: list[str]) -> list[tuple[str, int]]:
    """Indicators named before `pos` in its sentence, nearest first, with where each naming ends."""
    start = max(text.rfind(c, 0, pos) for c in _SENTENCE_START) + 1
    before = text[start:pos]
    ends: dict[str, int] = {}
    for name in names:
        for p in [*patterns(name), *_tails(tuple(names)).get(name, ())]:
            for m in p.finditer(before):
                ends[name] = max(ends.get(name, -1), m.end())
    # nearest first; of two namings ending together (高新技术产业产值 in …产值占规上工业比重) the longer
    return sorted(((n, start + e) for n, e in ends.items()), key=lambda x: (-x[1], -len(x[0])))


@cache
def _tails(names: tuple[str, ...]) -> dict[str, list[re.Pattern]]:
    """The ends of a row's name no other row's name holds, five characters or more (抽检合格率 of 食品安全抽检合格率),
    or four after the name's first two (进驻部门单位 of 进驻政务大厅部门单位): a writer names the row by them (not by
    研发机构 alone, which 国家级研发机构 ends with too); or by the whole name with a word put in (组织党员集中学习)."""
    out: dict[str, list[re.Pattern]] = {}
    for name in names:
        tails = [name[k:] for k in range(1, len(name) - 3) if re.fullmatch(r"[\u4e00-\u9fff]{4,}", name[k:])]
        own = [t for t in tails if not any(t in other for other in names if other != name)]
        patterns_ = [re.compile(re.escape(t)) for t in own if len(t) >= 5][-1:]  # the shortest: every longer holds it
        if own and len(own[-1]) == 4 and len(name) >= 6:
            patterns_.append(re.compile(rf"{re.escape(name[:2])}[^，。；,;]{{0,8}}?{re.escape(own[-1])}"))
        if re.fullmatch(r"[\u4e00-\u9fff]{6,}", name):  # 组织党员集中学习 of 组织党员学习: a word put in, the name whole
            patterns_.append(re.compile("|".join(rf"{re.escape(name[:k])}[\u4e00-\u9fff]{{1,2}}?{re.escape(name[k:])}"
                                                 for k in range(3, len(name) - 1))))
        if patterns_:
            out[name] = patterns_
    return out


def role(seg: str, unit: str | None, year: int, names: list[str]) -> str:
    """What the words right before a number (since the previous number of its clause) say it is."""
    if re.search(r"完成(?:年度|全年|年)?(?:目标|任务|计划)(?:任务)?的?$|完成率(?:仅|只|已)?(?:为|达到?)?$", seg):
        return "完成率"
    if unit == "个百分点":
        return "提高"
    if unit in ("%", "倍") and re.search(r"(?:增长|下降|增幅|增速|降幅|提高|回落|上升)(?:了|为|达到?)?$|同比$", seg):
        return "同比增长"  # 同比增长2.1倍 too: a growth of 209%
    if re.search(r"(?:增加|减少|净增|新增|多|少|延长|缩短|上升|下降|降低|提高|提升)了?$|(?:比上年|较上年|比去年|较去年)[增减多少延缩][^，,]{0,2}$", seg):
        return "增量"
    bare = seg
    for name in names:  # 争取上级资金 names an indicator; it is not a target word
        for p in patterns(name):
            bare = p.sub("", bare)
    if re.search(rf"上年|去年|上一年|{year - 1}年", bare):
        return "prior"
    if TARGET.search(bare):
        return "next_target" if re.search(rf"明年|下一年|{year + 1}年", bare) else "target"
    return "value"


TARGET = re.compile(r"目标|力争|预计|确保|拟|争取|计划(?=新增|实施|培育|完成|申报|引进|组织|建设|开展|推荐|争取|达到|$)")
_REGION = re.compile(r"全国|全省|全市|全区|全县|省内|国内")  # each another's but the bureau's own (area)


def read(text: str, table: FactsTable, mentions) -> list[Claim]:
    """Every number of the text as a claim (the indicator is None when no facts row is named for it)."""
    names = [f.indicator for f in table.facts]
    units = {f.indicator: f.unit for f in table.facts}
    out, previous_end, prev = [], 0, None
    for m in mentions:
        if (listed := _respective(text, m, names, table)) is not None:  # A、B、C分别增长x、y、z: the i-th of each
            out.append(listed)
            previous_end, prev = m.end, listed
            continue
        clause_start = _clause_start(text, m.start)
        seg_start = max(clause_start, previous_end)
        previous_end = m.end
        indicator, named_end = _subject(text, m, clause_start, names, units, table)
        # the words since its naming; a thing named only by its noun (全县高新技术企业由85家) has the whole clause
        tail = text[max(seg_start, named_end):m.start] if indicator and clause_start < named_end < m.start \
            else text[seg_start:m.start]
        r = role(tail, m.unit, table.year, names)
        if r == "增量" and indicator and re.search(_VARIANT_WORDS.get(variant(indicator), "^$") + "$", tail):
            r = "value"  # 全县高企净增16家 of the row 净增高新技术企业: its own value, the 净增 is its name
        if r == "target" and indicator and _obtained(tail, table.find(indicator)):
            r = "value"  # 2024年争取中央投资2.69亿元 of a row with no target: what was obtained
        if r == "完成率" and m.unit not in (None, "%"):
            r = "target"  # 完成年度计划2500家次的107.2%: the plan's amount, the rate after it
        if r in ("value", "增量") and re.match(r"[的为]?(?:(?:年度|全年)[\u4e00-\u9fff]{0,4}?)?(?:目标|任务|计划)", text[m.end:m.end + 10]) or \
                r == "value" and _targeted(text, m.start, names):
            r = "target"  # 未完成新增20家的目标: a target, of the increase too
        if r == "value" and (re.search(r"[由从]$", tail) or _said_last_year(text[seg_start:m.start], names, table.year)):
            r = "prior"  # 由三家增至四家; 2023年全县研发经费投入强度为1.96%
        q = _QUALIFIER_BEFORE.search(text[max(0, m.start - 2):m.start])
        qualifier = q.group(1) if q else ("余" if re.search(r"[余多]", m.text) else
                                          "以上" if text.startswith("以上", m.end) else None)
        if r in ("完成率", "同比增长", "增量") and prev and prev.role == "value" and prev.indicator is None \
                and prev.start > max(named_end if indicator else 0, sentence_start(text, m.start)) \
                and "其中" not in text[sentence_start(text, m.start):prev.start] \
                and (row := _row_of_value(prev, table, text[sentence_start(text, prev.start):prev.start])) \
                and _fits_unit(r, m.unit, units[row]):  # not 新增32家村卫生室… after 配置AED 96台
            indicator = row  # 发布预警信息18640条，完成年度目标的…: the figure it is computed from names the row
            # (not a part's after 其中: …其中4A级3家、3A级9家，比上年净增2家 is the total's)
        between = text[named_end:m.start] if indicator else ""
        said = _last_variant(between) or (_variant_before(text, named_end, indicator) if indicator else None)
        claim = Claim(m.start, m.end, m.text, m.value, m.unit, indicator, r, qualifier, said,
                      _direction(tail) if r in ("增量", "同比增长", "提高") else 0)
        claim = _as_sibling(claim, table)
        stated = next((c for c in reversed(out) if c.role == "value"), None)  # the figure a rate or prior follows
        if r in ("同比增长", "完成率", "target", "prior", "增量") and stated and stated.indicator \
                and (r != "增量" and noun(stated.indicator) == noun(indicator or "") and named_end <= stated.start
                     or not indicator and r in ("同比增长", "完成率")
                     and not elsewhere(text[clause_start:m.start], table)
                     or not indicator and r == "增量" and re.search(r"比上年|较上年|比去年|较去年|同比", tail)
                     and _fits_unit(r, m.unit, units[stated.indicator])
                     and "其中" not in text[sentence_start(text, m.start):stated.start]) \
                and stated.start >= sentence_start(text, m.start):
            # 总数达到97家，同比增长14.1%: 97's; 净增61家，同比增长10.7%: the total's; 总数达到318家，上年为269家: the
            # total's last year; 总数达到101家，超额完成95家的年度目标: the total's target; a rate naming nothing: the
            # figure's it follows (实施水利单体项目71个，较上年大幅增加，完成年度目标的106.7%); a change from last year
            # naming nothing, the figure's it follows (联合收割机962台，因老旧机具报废更新比上年减少13台)
            claim = replace(claim, indicator=_rated(stated.indicator, table) if r in ("同比增长", "完成率") else stated.indicator)
        out.append(claim)
        prev = claim
    return out


def _clause_start(text: str, pos: int) -> int:
    """Where the clause of `pos` starts: after the last break before it (0 when none)."""
    return max((at + len(c) for c in _CLAUSE_BREAK if (at := text.rfind(c, 0, pos)) >= 0), default=0)


def _obtained(words: str, f: Fact | None) -> bool:
    """争取 alone (not 力争, 目标, 计划) before the figure of a row that has no target: the amount obtained."""
    return f is not None and f.target is None and f.next_target is None and "争取" in words \
        and not re.search(r"力争|目标|计划|预计|确保|拟|明年|下一年", words)


def sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in _SENTENCE_START) + 1


def _row_of_value(c: Claim, table: FactsTable, before: str) -> str | None:
    """The one row whose value a figure named by no row states (统计分析、统计信息48篇 of 统计分析报告); a small count
    only when the words before it share some of the row's name (发生生产安全事故17起, not 剔除…的4家 of 孵化器)."""
    small = c.value < 20 and c.value % 1 == 0
    rows = [f.indicator for f in table.facts if f.value is not None and _states(c, (f.value, f.unit))
            and (not small or len(_bigrams(f.indicator) & _bigrams(before)) >= 2)]
    return rows[0] if len(rows) == 1 else None


_RESPECTIVELY = re.compile(r"分别(?P<words>[^，,；;。\d]{0,12})$")


def _respective(text: str, m, names: list[str], table: FactsTable) -> Claim | None:
    """A number of a 分别 run (高新技术企业总数98家、科技型中小企业入库190家，分别增长15.3%、15.2%): the i-th number of the
    run is about the i-th facts row the sentence named before 分别; its role is what the words after 分别 say."""
    run_start = _clause_start(text, m.start)
    head = re.match(r"[^\d]*", text[run_start:m.start]).group(0)  # 中、小网格分别增加: its own list of heads too
    lead = _RESPECTIVELY.search(head)
    if not lead and run_start > 1:  # …，分别增长15.3%、15.2%，完成年度目标的103.2%、105.6%: the run goes on
        before = text[_clause_start(text, run_start - 1):run_start - 1]
        lead = before.startswith("分别") and not _in_order(head, names)
    if not lead or re.search(r"[^、\d.%％亿万元家个项件人场次倍]", text[run_start + len(head):m.start]):
        return None
    index = text[run_start + len(head):m.start].count("、")
    sentence_start = max(text.rfind(c, 0, run_start) for c in _SENTENCE_START) + 1
    count = text[run_start + len(head):].split("，")[0].count("、") + 1
    # the rows of 分别's own clause when it names them all (中、小网格分别增加7个、26个), else of the sentence
    own = _in_order(_spelled(text[_clause_start(text, run_start + len(head)):run_start + len(head)]), names)
    listed = own if len(own) >= count else _in_order(text[sentence_start:run_start], names)
    r = role(head, m.unit, table.year, names)  # 上年分别为8.52亿元、1.96%: last year's, each
    # 部门单位44个、审批服务事项912项，分别增加2个、26项 where not every figure names a row: judged by their sources
    return Claim(m.start, m.end, m.text, m.value, m.unit, listed[index] if len(listed) >= count else None, r, None, None,
                 _direction(head) if r in ("增量", "同比增长", "提高") else 0)


def _spelled(words: str) -> str:
    """Coordinated heads spelled out (中、小网格 → 中网格、小网格), as a list of rows names them."""
    return re.sub(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])、([\u4e00-\u9fff])([\u4e00-\u9fff]{2,})",
                  lambda m: f"{m.group(1)}{m.group(3)}、{m.group(2)}{m.group(3)}", words)


def _in_order(text: str, names: list[str]) -> list[str]:
    """The facts rows a text names, in the order it names them; of two namings at one place the longer."""
    found = []
    for name in names:
        for p in patterns(name):
            if m := p.search(text):
                found.append((m.start(), -(m.end() - m.start()), m.end(), name))
                break
    out, end = [], -1
    for start, _, stop, name in sorted(found):
        if start >= end:
            out.append(name)
            end = stop
    return out


_FALL = re.compile(r"(?:下降|减少|降低|回落|下滑|少|降幅|缩短)[了为达到]*$|减少了?\S{0,2}$")
_RISE = re.compile(r"(?:增长|增加|提高|上升|增幅|增速|多|新增|净增|延长)[了为达到]*$")


def _direction(tail: str) -> int:
    """+1 when the words right before a change say it rose, -1 when they say it fell, 0 when they say neither."""
    return -1 if _FALL.search(tail) else 1 if _RISE.search(tail) else 0


_FRAMED = re.compile(r"(?:从|就|在)?(全国|全省|全市|全区|全县|省内|国内)(?:看|来看|范围内|层面看?)$")


def framed_elsewhere(text: str, clause_start: int, table: FactsTable) -> bool:
    """The clause before frames this one as another place's (从全省看，城镇污水处理能力3268万吨/日)."""
    framing = text[_clause_start(text, clause_start - 1):clause_start - 1] if clause_start else ""
    return bool(_FRAMED.fullmatch(framing)) and elsewhere(framing, table)


def _subject(text: str, m, clause_start: int, names: list[str], units: dict, table: FactsTable
             ) -> tuple[str | None, int]:
    """The facts row a number is about, and where its naming ends; (None, start) when it names none."""
    if elsewhere(text[clause_start:m.start], table) or framed_elsewhere(text, clause_start, table):
        return None, m.start  # 全省共有11家: a comparison, judged by its sources
    probe = role(text[clause_start:m.start], m.unit, table.year, [])
    opens = re.search(r"(?:和|与|及|以及|、)$", text[clause_start:m.start])  # …“四上”企业和13个乡镇: a phrase of its own
    parts = text.rfind("其中", sentence_start(text, m.start), clause_start)
    back = parts >= 0 and probe in ("增量", "同比增长", "提高", "完成率") and not _own_subject(text[clause_start:m.start])
    for name, end in [] if opens else named(text, m.start, names):
        if re.search(r"\d[^、，,。；;\d]{0,3}、[\u4e00-\u9fff]{2,}$", text[end:m.start]):
            continue  # 进驻部门单位44个、审批服务事项912项: the naming is the figure's before, the next one names its own
        if back and end > parts:
            continue  # …，其中4A级3家、3A级9家，比上年净增2家: the change of the total before the parts
        if "其中" in text[end:m.start] and not back:
            break  # a component of the named total, not the total itself
        if end <= clause_start and (_own_subject(text[clause_start:m.start])
                                    or any(_own_subject(c) for c in re.split(r"[，,；;]", text[end:clause_start])[1:])):
            break  # the clause, or one since the naming, speaks of something else (扣除…未通过重新认定的3家)
        if _fits_unit(probe, m.unit, units[name]):
            return name, end
    clause = text[clause_start:m.start]
    said = variant(clause)
    by_noun = [] if opens else [n for n in names if len(noun(n)) >= 4 and noun(n) in clause and _fits_unit(probe, m.unit, units[n])]
    for name in sorted(by_noun, key=lambda n: variant(n) != said and variant(n) not in (None, "total")):
        if variant(name) == said or variant(name) in (None, "total"):
            return name, m.start  # 全县高新技术企业近百家: the thing named without 总数 is its total
    after = text[m.end:m.end + 10]
    for name in names:  # 110余名科技特派员: named right after the number
        if any(p.match(after) for p in patterns(name)) and same_unit(m.unit, units[name]):
            return name, m.start
    return None, m.start


_FILLER = re.compile(r"比上年|较上年|比去年|较去年|同比|增加|增长|减少|下降|提高|达到|完成|年度|全年|目标|累计|总数|新增|净增"
                     r"|实现|共计|共有|其中|全县|全市|全区|我县|我市|我区|为|达|的|了|约|近|超过|超|突破|已|分别|多|少|全年度|今年|上年|去年")


def _own_subject(clause: str) -> bool:
    return len(re.findall(r"[\u4e00-\u9fff]", _FILLER.sub("", clause))) >= 3


def _said_last_year(seg: str, names: list[str], year: int) -> bool:
    for name in names:
        for p in patterns(name):
            seg = p.sub("", seg)
    return bool(re.search(rf"上年|去年|上一年|{year - 1}年(?!以来)", seg)) and not re.search(r"比上年|较上年|比去年|较去年", seg)


def _targeted(text: str, pos: int, names: list[str]) -> bool:
    """An earlier clause of the sentence set a target (力争…，…，…): its numbers are targets too."""
    start = max(text.rfind(c, 0, pos) for c in _SENTENCE_START) + 1
    before = text[start:pos]
    for name in names:
        for p in patterns(name):
            before = p.sub("", before)
    return bool(re.search(r"力争|确保|目标(?:是|为)|计划(?=新增|实施|培育|完成|达到)|预计", before))


def _variant_before(text: str, named_end: int, name: str) -> str | None:
    """新增 or 净增 right before the indicator's name (全年新增省级以上研发机构16家): the year's new ones."""
    head = text[max(0, named_end - 40):named_end]
    # the thing itself, not a kind of it (新增省级工程技术研究中心4家 is not 研发机构's); or the end of its name
    own = [re.compile(re.escape(n)) for n in {name, noun(name)}] + _tails((name,)).get(name, [])
    starts = [m.start() for p in own for m in p.finditer(head) if m.end() == len(head)]
    if not starts:
        return None
    before = head[:max(starts)]
    lead = re.search(r"(新增|净增|新认定|新入库|新建|新评定|新创建)[\u4e00-\u9fff]{0,2}$", before) or \
        re.search(r"(新增|净增|新认定|新入库|新建|新评定|新创建)[^，,；;。]*?\d+[^\d，,；;。]{0,3}、$", before)
    return ("net" if lead.group(1) == "净增" else "new") if lead else None  # …4A级旅游景区1家、3A级…: the list's verb


def _last_variant(words: str) -> str | None:
    found = [(m.start(), name) for name, pattern in _VARIANTS for m in re.finditer(pattern, words)]
    return max(found)[1] if found else None


_VARIANT_WORDS = {"net": r"净增", "new": r"新增|新认定|新建|新评定|新创建"}
_VARIANTS = (("net", r"净增"), ("new", r"新增|新认定|认定|新入库|新建|新评定|新创建|新设立|新设|新纳入|新登记|新注册"),
             ("total", r"总数|总量|累计|达到|共有|有效"))


def _fits_unit(r: str, unit: str | None, indicator_unit: str) -> bool:
    if r in ("同比增长", "完成率"):
        return unit in (None, "%", "倍")
    if r == "提高":
        return indicator_unit == "%"
    return same_unit(unit, indicator_unit)


def _as_sibling(c: Claim, table: FactsTable) -> Claim:
    """净增高新技术企业13家，总数达到98家: the words before a number can name another count of the same thing."""
    if not c.indicator or c.variant is None or c.role not in ("value", "增量", "prior", "target", "同比增长", "完成率"):
        return c
    own = variant(c.indicator)
    if own == c.variant and c.role != "增量":
        return c
    for g in table.facts:
        if g.indicator != c.indicator and noun(g.indicator) == noun(c.indicator) and variant(g.indicator) == c.variant:
            return replace(c, indicator=g.indicator, role="value" if c.role == "增量" and c.variant != "total" else c.role)
    return c


def _rated(indicator: str, table: FactsTable) -> str:
    """The row a rate after a figure of `indicator` is about: its own, or for a net change its total's
    (净增61家，同比增长10.7%: the total grew by 10.7%)."""
    if variant(indicator) != "net":
        return indicator
    return next((g.indicator for g in table.facts if noun(g.indicator) == noun(indicator)
                 and variant(g.indicator) in (None, "total")), indicator)


def variant(words: str) -> str | None:
    """新增 / 净增 / 总数: which count of a thing the words name (新认定高企 vs 高企总数 vs 净增)."""
    for name, pattern in _VARIANTS:
        if re.search(pattern, words):
            return name
    return None


_RATE = re.compile(r"(?:增速|增长率|增幅|同比增长)$")


def rate_row(f: Fact, table: FactsTable) -> Fact | None:
    """The row that gives an indicator's growth as the statistics office counts it (地区生产总值增速)."""
    return next((g for g in table.facts if g.unit == "%" and _RATE.search(g.indicator)
                 and _RATE.sub("", g.indicator) == f.indicator), None)


def noun(name: str) -> str:
    """What an indicator counts: 新增高新技术企业 and 高新技术企业总数 both count 高新技术企业."""
    return re.sub(r"^(?:新增|净增|新认定|累计)|(?:总数|总量|入库数|数量|人数|户数|个数|数)$", "", name)


_YEARLY = re.compile(r"改造|新建|建设|整治|实施|举办|开展|选派|培训|办理|受理")  # a row of the year's work, not a stock
UNKNOWN = Finding("unknown", 0, 0, "", "")  # judge's answer when the table holds no cell to compare with


def cell(f: Fact, which: str) -> tuple[float, str] | None:
    """(value, unit) of a facts row's cell; derived values signed as computed."""
    if which in ("value", "prior", "target", "next_target"):
        value = getattr(f, which)
        return None if value is None else (value, f.unit)
    d = f.get(which)
    return None if d is None else (d.value, d.unit)


def judge(c: Claim, table: FactsTable) -> Finding | None:
    """A finding when a claim about a named indicator does not state that indicator's cell; None when it
    does, or when the claim names no indicator (the caller then looks for any source)."""
    f = table.find(c.indicator) if c.indicator else None
    if f is None:
        return None
    if c.variant == "total" and c.role == "value" and variant(f.indicator) is None and _YEARLY.search(f.indicator):
        return UNKNOWN  # 全市累计达到3620座 of the row 公厕升级改造 (the year's work): a stock no row holds
    if c.variant in ("new", "net") and variant(f.indicator) in (None, "total") and c.role == "value":
        increase = cell(f, "增量")  # 新增…16家 of a total with no row of its own: the year's change, or a note's
        return None if increase and _states(c, increase) else UNKNOWN
    expected = cell(f, c.role)
    if c.role == "同比增长" and c.unit == "倍" and expected:
        expected = (expected[0] / 100, "倍")
    if c.role == "同比增长" and (rate := rate_row(f, table)) is not None and rate.value is not None:
        expected = (rate.value, "%")  # 地区生产总值同比增长8.9%: the table's own growth row (at comparable prices)
    if c.role == "prior" and f.prior_rough and expected and _states(replace(c, qualifier=None), expected):
        return None  # 上年超过5000万元, as last year's summary had it (no exact value to hold it to)
    if c.role in ("target", "next_target"):  # a target sentence may state this year's or next year's target
        targets = [t for t in (cell(f, "target"), cell(f, "next_target")) if t]
        expected = next((t for t in targets if _states(c, t)), targets[0] if targets else None)
    if expected is None and c.role == "value" and (prior := cell(f, "prior")) and _states(c, prior):
        return Finding("wrong_year", c.start, c.end, c.text,
                       f"{c.text}是{f.indicator}上年的数，今年的数还没有填写。", "填写今年的数，或写作【待核实】。")
    if expected is None and c.role == "完成率" and f.value is not None and f.target is None:
        owner = next((o for o in table.facts if o is not f and (r := cell(o, "完成率")) and _states(c, r)), None)
        message = (f"{f.indicator}没有年度目标，{c.text}是{owner.indicator}的完成率。" if owner else
                   f"{f.indicator}没有年度目标，完成率{c.text}无从核对。")
        return Finding("wrong_indicator" if owner else "unverified_number", c.start, c.end, c.text, message,
                       "删去完成率，或在数据表中填写它的年度目标。", indicator=c.indicator, role=c.role)
    if expected is None:
        return UNKNOWN  # the table cannot say (no prior, no target): judged by its sources instead
    if c.direction and expected[0] and (expected[0] > 0) != (c.direction > 0):  # a fall written as a rise
        found = Finding("arithmetic", c.start, c.end, c.text,
                        f"{f.indicator}比上年{'增加' if expected[0] > 0 else '减少'}，这里写作{'增长' if c.direction > 0 else '下降'}。",
                        f"改写为“{'增长' if expected[0] > 0 else '下降'}{_fmt(abs(expected[0]))}{expected[1]}”。")
    elif c.qualifier:
        found = _qualifier(c, f, expected)
    elif _states(c, expected):
        return None
    else:
        found = _mismatch(c, f, expected, table)
    return found and replace(found, indicator=c.indicator, role=c.role)


def _qualifier(c: Claim, f: Fact, expected: tuple[float, str]) -> Finding | None:
    actual, unit = abs(expected[0]), expected[1]
    actual = convert(actual, unit, c.unit)
    q = c.qualifier
    if qualified(q, c.value, c.text, actual):
        return None
    said = c.text if q == "余" else f"{c.text}以上" if q == "以上" else f"{q}{c.text}"
    return Finding("qualifier", c.start, c.end, c.text,
                   f"{f.indicator}为{_fmt(actual)}{c.unit or unit}，“{said}”与实际不符。",
                   f"改为{_fmt(actual)}{c.unit or unit}，或用相符的说法（如“近”“超过”）。")


def qualified(q: str, v: float, text: str, actual: float) -> bool:
    """A figure with its qualifier (近6000万元, 400余场次, 超3000人次) fits the actual value. 余 reaches to the
    figure's last written digit: 400余 is 400 to 499, 120余 is 120 to 129, 10万余 is 10万 to 11万."""
    digits = re.match(r"([\d,]+)(?:\.(\d+))?", text)
    written = digits.group(1).replace(",", "") if digits else "1"
    if digits and digits.group(2):
        step = 10 ** -len(digits.group(2))
    elif re.search(r"[万亿]余", text):  # 10万余人次: a remainder under the 万
        step = 1
    else:
        step = 10 ** (len(written) - len(written.rstrip("0")))
    if text.endswith("成") and q in ("近", "接近", "将近"):
        return v - 5 <= actual < v  # 近两成 of 18.8%
    return {"近": 0.95 * v <= actual < v, "接近": 0.95 * v <= actual < v, "将近": 0.95 * v <= actual < v,
            "约": abs(actual - v) <= 0.1 * v, "超过": actual > v, "超": actual > v, "逾": actual > v,
            "突破": actual >= v, "以上": actual >= v, "不到": actual < v, "不足": actual < v, "余": v <= actual < v + step}[q]


def _mismatch(c: Claim, f: Fact, expected: tuple[float, str] | None, table: FactsTable) -> Finding:
    said = f"{f.indicator}{ROLES.get(c.role, c.role)}"
    should = f"应为{_fmt(abs(expected[0]))}{expected[1]}" if expected else "事实表中没有这个数"
    for other in ("prior", "value", "target", "next_target"):
        cell_ = cell(f, other)
        if other != c.role and cell_ and _states(c, cell_):
            if other == "prior" or c.role == "prior":
                kind = "wrong_year" if c.role != "prior" or other == "value" else "inconsistent_prior"
                return Finding(kind, c.start, c.end, c.text,
                               f"{c.text}是{f.indicator}{ROLES[other]}的数，这里写成了{ROLES.get(c.role, c.role)}（{should}）。",
                               "核对年份，改用对应年份的数字。")
            if other in ("target", "next_target") and c.role == "value":
                return Finding("target_as_actual", c.start, c.end, c.text,
                               f"{c.text}是{f.indicator}的目标值，这里写成了已完成的实绩（{should}）。",
                               "写成“目标为…”“力争…”，或改用本年实际完成数。")
    if c.role in ("增量", "同比增长", "提高", "完成率") and expected:
        return Finding("arithmetic", c.start, c.end, c.text, f"{said}按事实表计算{should}，这里写作{c.text}。",
                       f"改为{_fmt(abs(expected[0]))}{expected[1]}（由代码计算，不要手算）。")
    if c.role == "prior":
        return Finding("inconsistent_prior", c.start, c.end, c.text,
                       f"上年{f.indicator}{should}（{f.prior_source or '事实表'}），这里写作{c.text}。",
                       "改为往年材料中的上年值，或在事实表中更正上年值。")
    for g in table.facts:
        for which in ("value", "prior"):
            if g is not f and (cell_ := cell(g, which)) and _states(c, cell_):
                return Finding("wrong_indicator", c.start, c.end, c.text,
                               f"{c.text}是{g.indicator}{ROLES[which]}的数，这里写给了{f.indicator}（{should}）。",
                               f"改用{f.indicator}自己的数字。")
    return Finding("unverified_number", c.start, c.end, c.text, f"{said}{should}，这里写作{c.text}。",
                   "改用事实表中的数字；确有此数的，先补进事实表。")


def _states(c: Claim, target: tuple[float, str]) -> bool:
    return same_unit(c.unit, target[1]) and equal(c.value, c.unit, c.text, abs(target[0]), target[1])


ROLES = {"value": "本年值", "prior": "上年值", "target": "目标", "next_target": "下年目标", "增量": "增量",
         "同比增长": "同比增长", "提高": "提高", "完成率": "完成率"}  # a claim's role as a writer reads it


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if v % 1 else str(int(v))


# ---- ranks, conflicts, arithmetic of a passage -------------------------------------------------------

# 未完成 of this year; 上年未完成目标 speaks of last year
_MISSED = re.compile(r"(?<!上年)(?<!去年)(?<!往年)(?<!前年)(?:未(?:能)?(?:全面)?完成|没有完成|未达到|未达|低于(?:年度)?目标"
                     r"|(?:距离?|离|与)[^，。；]{0,12}?目标(?:仍|还|尚)?有(?:一定|较大|不小)?(?:的)?差距)")  # 距离…目标仍有差距
MET = re.compile(r"超额完成|(?<!未)(?<!没有)完成(?:了)?(?:年度|全年)?(?:目标|任务)(?!的)|(?<!未)达到(?:年度)?目标"
                  r"|(?<!未)(?<!没有)完成(?:了)?(?:年度|全年)[\u4e00-\u9fff]{1,4}?(?:目标|任务)(?!的)"  # 完成年度培训任务
                  r"|(?<!未)(?<!没有)完成(?:了)?(?:年初|年度|全年)(?:确定|下达|制定|提出)的[^，。；]{0,12}?(?:目标|任务)(?!的)"
                  r"|(?<!未)(?<!没有)完成(?:了)?[\d.,]+[^\d，。；]{0,3}的(?:年度|全年)?[\u4e00-\u9fff]{0,4}(?:目标|任务)(?!的)")


AS_TARGET = re.compile(r"的?(?:年度|全年)?[\u4e00-\u9fff]{0,4}(?:目标|任务)")  # 4000亩的年度供地目标: named as the target


def completion_findings(text: str, table: FactsTable, mentions=()) -> list[Finding]:
    """A sentence that calls its indicators' targets missed while every one it names met its target (or met
    while one missed it): the words 完成/未完成 must follow the numbers, also after a fact changes."""
    out = []
    for m in re.finditer(r"[^。；;！？\n]+", text):
        sentence = m.group(0)
        inside = [x for x in mentions if m.start() <= x.start < m.end() and x.unit]
        named_facts = [f for f in table.facts if f.value is not None and f.target
                       and (any(p.search(sentence) for p in patterns(f.indicator)) or any(
                           same_unit(x.unit, f.unit) and (equal(x.value, x.unit, x.text, f.value, f.unit)  # 实现就业1290人
                                                          or AS_TARGET.match(text, x.end)  # 完成4000亩的年度供地目标
                                                          and equal(x.value, x.unit, x.text, f.target, f.unit))
                           for x in inside))]
        if not named_facts:
            continue
        met = [f for f in named_facts if f.value >= f.target]
        stated = [x.end - m.start() for x in mentions if m.start() <= x.start < m.end()]
        # of 部分年度任务未能完成，中小河流治理42.6公里，未达到40公里的年度目标: the words nearest the figures
        said = min(_MISSED.finditer(sentence), key=lambda w: min((abs(w.start() - a) for a in stated), default=0),
                   default=None)
        if said and len(met) == len(named_facts):
            out.append(Finding("conflict", m.start() + said.start(), m.start() + said.end(), said.group(0),
                               f"{'、'.join(f.indicator for f in met)}已完成年度目标，这里写作“{said.group(0)}”。",
                               "按数据改写这句话，或移到相应章节。", indicator=met[0].indicator))
        said = None if said else MET.search(sentence)
        claimed = [f for f in named_facts if any(same_unit(x.unit, f.unit) and not AS_TARGET.match(text, x.end)
                                                 and not _QUALIFIER_BEFORE.search(text[max(0, x.start - 2):x.start])
                                                 and equal(x.value, x.unit, x.text, f.target, f.unit) for x in inside)]
        if said and not met and not claimed:  # 总数达到95家，完成年度目标 of a target of 95: the figure is the error
            out.append(Finding("conflict", m.start() + said.start(), m.start() + said.end(), said.group(0),
                               f"{'、'.join(f.indicator for f in named_facts)}没有完成年度目标，这里写作“{said.group(0)}”。",
                               "按数据改写这句话。", indicator=named_facts[0].indicator))
    return out


def rank_findings(text: str, table: FactsTable) -> list[Finding]:
    """A ranking (全市第一, 位居前列) is stated only when the writer's notes give it."""
    notes = "\n".join(line for lines in table.notes.values() for line in lines)
    names = [f.indicator for f in table.facts]
    given = [_rank_key(notes, m, names, table.year) for m in _RANK.finditer(notes)]
    starts = [x[:2] for m in _RANK.finditer(notes) if (x := _move_start(notes, m))[2] is not None]
    out = []
    for m in _RANK.finditer(text):
        region, no, at = _move_start(text, m)
        if at is not None and (region, no) not in starts:  # 由上年全省第8位升至第3位: where it moved from, too
            out.append(_rank_finding(text, at, m.end()))
            continue
        r, no, what, then = _rank_key(text, m, names, table.year)
        if not any(((r, no) == (gr, gno) or _within(r, no, gr, gno)) and then == gthen and _same_ranked(what, theirs)
                   for gr, gno, theirs, gthen in given):
            out.append(_rank_finding(text, m.start(), m.end()))
    return out


def _within(region: str, no: str, given_region: str, given_no: str) -> bool:
    """A rough ranking the notes' exact one bears out: 走在前列 of 居全市第3位 (the top three), 位居全省前五 of 第4位."""
    if region not in ("", given_region) or not given_no.isdigit():
        return False
    top = 3 if no == "前列" else int(no[1:]) if no.startswith("前") and no[1:].isdigit() else 0
    return 0 < int(given_no) <= top


def _rank_key(text: str, m: re.Match, names: list[str], year: int) -> tuple[str, str, tuple[str | None, str], bool]:
    """A ranking as (region, rank, what it ranks, whether it is an earlier year's): （2024年居全国第9位） is that year's;
    排名由全省第4降至第5's 第4 was last year's; 由2023年的全市第2位升至全市第1位's end is this year's."""
    earlier = _earlier(text[max(0, m.start() - 10):m.start()], year) and not _MOVE.match(m.group(0)) \
        or re.match(r"[由从]", m.group(1)) is not None
    return _rank_region(text, m), _rank_no(m), _ranked(text, m.start(), names), earlier


def _rank_finding(text: str, start: int, end: int) -> Finding:
    return Finding("rank", start, end, text[start:end], f"排名“{text[start:end]}”在事实表和笔记中没有依据。",
                   "有排名依据的，先写进笔记（注明范围和名次）；没有的删去。")


def _earlier(words: str, year: int) -> bool:
    """The words before a note's ranking date it to an earlier year (2024年, 上年)."""
    return bool(re.search(r"上年|去年", words) or any(int(y) < year for y in re.findall(r"(\d{4})年", words)))


def _ranked(text: str, pos: int, names: list[str]) -> tuple[str | None, str]:
    """What a ranking ranks: the indicator named nearest before it in its sentence, and the words of its clause
    before it (净增数 in …，净增数位居全市第2)."""
    start = _clause_start(text, pos)
    found = named(text, pos, names)
    return (found[0][0] if found else None), text[max(start, pos - 12):pos]


def _same_ranked(a: tuple[str | None, str], b: tuple[str | None, str]) -> bool:
    """A note's ranking of 科技型中小企业入库数 is not one of 技术合同成交额: the same indicator, or the same words."""
    x, y = _bigrams(a[1]), _bigrams(b[1])
    if x and y and len(x & y) >= 0.5 * min(len(x), len(y)):
        return True
    if a[0] and b[0]:
        return _RATE.sub("", a[0]) == _RATE.sub("", b[0])  # 地区生产总值…增速…居全市第5位 is its growth's rank
    return not a[0] and not b[0]


def rank_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _RANK.finditer(text)]


_MOVE = re.compile(r"(?:上|提|下)?[升降]至")


_FROM = re.compile(r"由([^，。；,;第]{0,8})第\s*([一二三四五六七八九十\d]{1,3})\s*[位名]?$")


def _move_start(text: str, m: re.Match) -> tuple[str | None, str, int | None]:
    """Where a move (由上年全省第6位升至第3位) started: (region, rank, where the 由 is); (None, "", None) if no move."""
    if not _MOVE.match(m.group(0)) or not (f := _FROM.search(text[max(0, m.start() - 16):m.start()])):
        return None, "", None
    from drafter.numbers.figures import cn_number

    return _region(f.group(1)) or _rank_region(text, m), str(int(cn_number(f.group(2)))), max(0, m.start() - 16) + f.start()


def _rank_region(text: str, m: re.Match) -> str:
    """The region of a ranking; for a move (由全市第2位升至第1位) the one it moves within."""
    region = _region(m.group(1))
    if not region and _MOVE.match(m.group(0)):
        region = _region(text[max(0, m.start() - 12):m.start()])
    if not region and re.search(r"(?:考评|考核|评比|评估|测评)中?$", text[max(0, m.start() - 4):m.start()]):
        region = _region(text[_clause_start(text, m.start()):m.start()])  # 在全区…年度综合考评中居第3位
    return region


def _region(words: str) -> str:
    m = re.search(r"全国|全省|全市|全区|全县|省内|市内", words) or re.search(r"[\u4e00-\u9fff]{2}(?:省|市)", words)
    return m.group(0) if m else ""  # 由全市第2位: 全市, not 由全市


def _rank_no(m: re.Match) -> str:
    from drafter.numbers.figures import cn_number

    if m.group(3):  # 位居全省前三
        return f"前{int(cn_number(m.group(3)))}"
    return str(int(cn_number(m.group(2)))) if m.group(2) else "1" if m.group(0).endswith("首位") else "前列"


def breakdown_findings(text: str, mentions, flagged: frozenset[int] = frozenset()) -> list[Finding]:
    """Components after 其中 that do not add up to the total before it; 新增 − 减少 ≠ 净增 (`flagged`: where figures
    already found wrong start)."""
    out = []
    for s in re.finditer(r"[^。；;\n]+", text):
        inside = [m for m in mentions if s.start() <= m.start < s.end() and m.unit]
        split = s.group(0).find("其中")
        if split > 0:
            total = [m for m in inside if m.start < s.start() + split
                     and not _CHANGE_BEFORE.search(text[max(0, m.start - 6):m.start])]  # not 比上年增加5240台
            stop = _parts_end(s.group(0), split) + s.start()
            parts = [m for m in inside if s.start() + split < m.start < stop and total and m.unit == total[-1].unit]
            if total and len(parts) >= 2 and parts[-1].end - parts[0].start < 60:
                whole = total[-1]  # parts short of the total may leave some out (其中焚烧…、填埋… as the notes give
                # them); beyond it, never; short of it with a part already found without a source, told too
                over = sum(p.value for p in parts) - whole.value
                if (over > 1e-6 or over < -1e-6 and any(p.start in flagged for p in parts)) \
                        and not re.search(r"等|主要", s.group(0)[split:]):
                    out.append(Finding("arithmetic", parts[0].start, parts[-1].end, text[parts[0].start:parts[-1].end],
                                       f"分项合计{_fmt(sum(p.value for p in parts))}，与总数{whole.text}不符。",
                                       "核对分项和总数。"))
    out += _net_change(text, mentions, flagged)
    return out


def summed(text: str, m, mentions) -> bool:
    """The total a sentence states right before its parts after 其中 add up to (参保共55.78万人，其中城乡居民52.36万人、
    职工3.42万人): derived from them, as good as they are."""
    s = next((s for s in re.finditer(r"[^。；;\n]+", text) if s.start() <= m.start < s.end()), None)
    split = s.group(0).find("其中") + s.start() if s else -1
    if split <= m.start or any(m.end <= o.start < split for o in mentions):
        return False
    stop = _parts_end(s.group(0), split - s.start()) + s.start()
    parts = [o for o in mentions if split < o.start < stop and same_unit(o.unit, m.unit)]
    return len(parts) >= 2 and equal(m.value, m.unit, m.text, sum(convert(o.value, o.unit, m.unit) for o in parts), m.unit)


_CHANGE_BEFORE = re.compile(r"(?:增加|减少|增长|下降|提高|降低|净增|多|少)了?(?:约|近|超过?)?$")
_NOT_A_PART = re.compile(r"目标|完成|增至|达到|同比|较上年|比上年|增长|下降|未|累计|总数")


def _parts_end(sentence: str, split: int) -> int:
    """Where the parts after 其中 end: at the first later clause that says something else (…，其中博士9人，未完成
    30人的年度目标; …，其中首贷企业18家，合作银行增至7家)."""
    at = sentence.find("，", split)
    while at != -1:
        nxt = sentence.find("，", at + 1)
        clause = sentence[at + 1:nxt if nxt != -1 else len(sentence)]
        if _NOT_A_PART.search(clause):
            return at
        at = nxt
    return len(sentence)


def _net_change(text: str, mentions, flagged: frozenset[int] = frozenset()) -> list[Finding]:
    """新增 a … 未通过/减少 b … 净增 c in one paragraph: a − b must be c; told of b unless a or c is already found wrong
    (新增5260亩，减少1760亩，净增3600亩 where 3600 has no source: the finding on 3600 says it)."""
    out = []
    for p in re.finditer(r"[^\n]+", text):
        found = {}
        for m in mentions:
            if p.start() <= m.start < p.end():
                before = text[max(p.start(), m.start - 14):m.start]
                clause_start = _clause_start(text, m.start)
                if _REGION.search(text[clause_start:m.start]):
                    continue  # 全市高新技术企业净增86家: another area's count
                near = []  # the marker nearest before the number says which count it is
                for key, words in (("new", r"新增|新认定|认定"), ("lost", r"未通过|未能通过|减少|退出|注销|期满"),
                                   ("net", r"净增")):
                    if key == "lost" and re.search(r"[比较](?:上年|去年)|同比", before):
                        continue  # 比上年的17家减少1家: a comparison with last year, not the ones that left
                    ends = [x.end() for x in re.finditer(words, before[-8:] if key != "lost" else before)]
                    if ends:
                        near.append((max(ends) + (len(before) - 8 if key != "lost" and len(before) > 8 else 0), key))
                if near and (key := max(near)[1]) not in found:
                    found[key] = m
        if len(found) == 3 and abs(found["new"].value - found["lost"].value - found["net"].value) > 1e-6 \
                and not {found["new"].start, found["net"].start} & flagged:
            b = found["lost"]
            out.append(Finding("arithmetic", b.start, b.end, b.text,
                               f"新增{found['new'].text}、净增{found['net'].text}，减少的应为"
                               f"{_fmt(found['new'].value - found['net'].value)}，这里写作{b.text}。", "核对新增、减少与净增。"))
    return out


def elsewhere(words: str, table: FactsTable) -> bool:
    """Words before a number place it outside the bureau (全省, 全国; 全市 for a county bureau; a place the notes
    name as another's, 九江市 of 庐山市残疾人联合会)."""
    region = _REGION.search(words)
    places = other_places(table)
    return bool(region and region.group(0) != area(table.org)) or bool(places) and bool(re.search(
        rf"(?:^|[，、；：在据从])(?:{'|'.join(map(re.escape, places))})", words))  # not 居九江市第2位: a rank


def named_place(line: str, org: str) -> str:
    """The place a note opens with when it is not the bureau's own (九江市 for 庐山市残疾人联合会, 六安市 for
    六安市叶集区融媒体中心, not 泉州市 for 泉州市民族与宗教事务局); "" otherwise."""
    place = leading_place(line)
    if not place:
        return ""
    own = org.startswith(place) and not re.match(r"[\u4e00-\u9fff]{2,3}?(?:县|区|旗)", org[len(place):])
    return "" if own else place


def other_places(table: FactsTable) -> frozenset[str]:
    return _places(table.org, tuple(line for lines in table.notes.values() for line in lines))


@cache
def _places(org: str, lines: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p for line in lines if (p := named_place(line, org)))


_ROUND = re.compile(r"(?<=超|近|逾|过|破)([一二两三四五六七八九]?[百千万])(?=余?(?:[家人个项件场次所]|亿元|万元))")


def round_numbers(text: str) -> list[tuple[int, int, str, float, str]]:
    """超百家, 近千人: round Chinese numbers after a qualifier, as (start, end, text, value, unit)."""
    from drafter.numbers.figures import cn_number

    out = []
    for m in _ROUND.finditer(text):
        unit = re.match(r"余?(亿元|万元|[家人个项件场次所]+)", text[m.end():]).group(1)[:2]  # 超百亿元: 100 亿元
        value = cn_number(m.group(1).replace("万", "")) * (10_000 if "万" in m.group(1) else 1)
        out.append((m.start(), m.end() + len(unit), text[m.start():m.end() + len(unit)], value or 10_000, unit))
    return out


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff]", "", re.sub(r"\d+(?:\.\d+)?[^\s，。；]?", "", text))
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def held(sentence: str, key: str) -> float:
    """The share of a note's wording (two-character runs) its sentence holds."""
    x, y = _bigrams(key), _bigrams(sentence)
    return len(x & y) / len(x) if x and sentence else 0.0


def _similar(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def other_activity(m, clause: str, allowed: list, matched: list | None = None, sentence: str = "", before: str = ""
                   ) -> Finding | None:
    """A number taken from a note line about another activity (推介会3场 when 3场 was the training, 2场
    the 推介会), or a note's count in another unit (培训120场次 when 120 was 家)."""
    notes = [s for s in allowed if s.role == "note" and s.key]
    if matched is None:  # no source at all: the same value in another unit?
        other = [s for s in notes if abs(s.value - m.value) < 1e-9 and s.unit and m.unit and s.unit != m.unit]
        if other:
            return Finding("wrong_indicator", m.start, m.end, m.text,
                           f"笔记中的{_fmt(m.value)}是“{other[0].key}”的{other[0].unit}数，这里写成了{m.text}。",
                           "核对这个数说的是哪件事。")
        return None
    def fit(s) -> float:
        """How much of the item the note's phrase holds, plus how much of the note's whole line the sentence holds
        (惠及企业76家 in a sentence on 科技贷 is the 科技贷 note's, not the 奖补资金 note's 惠及企业81家)."""
        if s.role != "note":
            if any(p.search(clause) for p in patterns(s.indicator)):
                return 2.0  # a cell of a row the clause names (超额完成高企95家的年度目标), by its alias too
            return max(_similar(clause, s.indicator), held(s.indicator, clause)) + held(sentence, s.indicator)
        return held(s.key, clause) + held(sentence, s.label.removeprefix("笔记："))

    own = max(matched, key=fit)
    rivals = [s for s in notes if same_unit(m.unit, s.unit) and abs(s.value - m.value) > 1e-9
              and s.note_kind == "actual" and s.scope == "local"]  # a plan's or another place's count is no rival
    rival = max(rivals, key=fit, default=None)
    if own.role == "note" and before[-2:]:  # one line's two counts (13个乡镇统计站…验收9个): the words before tell
        twin = next((s for s in rivals if s.label == own.label and _words_before(s) == before[-4:]
                     and _words_before(own) != before[-4:] and (s.unit == m.unit or own.unit != m.unit)), None)
        if twin:
            return Finding("wrong_indicator", m.start, m.end, m.text,
                           f"按笔记，“{own.label.removeprefix('笔记：')}”；“{before[-4:]}”的是{_fmt(twin.value)}{twin.unit}。",
                           f"改为{_fmt(twin.value)}{twin.unit}。")
    if rival and _similar(clause, rival.key) >= 0.3 and fit(rival) > fit(own) + 0.15:
        where = f"“{own.key}”" if own.role == "note" else own.label
        return Finding("wrong_indicator", m.start, m.end, m.text,
                       f"按笔记，“{rival.key}”；{m.text}是{where}的数。", f"改为{_fmt(rival.value)}{rival.unit}。")
    return None


def _words_before(s) -> str:
    """The four characters before a note's figure in its line (规范化建设 of …完成规范化建设7个; not 孵化器 of 新增科技
    企业孵化器2家，国家级孵化器仍为5家, where the draft's 国家级孵化器5家 is 5's)."""
    line = s.label.removeprefix("笔记：")
    at = re.search(rf"(?<![\d.]){re.escape(_fmt(s.value))}(?![\d.])", line)
    return line[max(0, at.start() - 4):at.start()] if at else ""


def ledger_context(m, clause: str, matched: list, context_values: list[dict], table: FactsTable) -> Finding | None:
    """A past summary's comparison figure (全市共4家企业研究院) restated as the bureau's own: same value, the
    same thing named, while the facts the value coincides with are about something else."""
    if elsewhere(clause, table):
        return None
    for c in context_values:
        if abs(c["value"] - m.value) > 1e-9 or not same_unit(m.unit, c["unit"]):
            continue
        run = SequenceMatcher(None, clause, c["sentence"], autojunk=False).find_longest_match(
            0, len(clause), 0, len(c["sentence"]))
        topic = re.sub(r"[^\u4e00-\u9fff]", "", clause[run.a:run.a + run.size])
        ours = max((_similar(clause, s.key if s.role == "note" else s.indicator) for s in matched), default=0.0)
        if len(topic) >= 3 and not _REGION.search(topic) and ours < 0.2:
            return Finding("context_as_local", m.start, m.end, m.text,
                           f"{m.text}在往年材料中是对比用的数字（{c['sentence'][:40]}），不是本地数字。",
                           "删去，或改用事实表中的本地数字。")
    return None


OUTFLOW = re.compile(r"期满|未通过|未能通过|未再通过|退出|撤销|注销|摘牌|到期|不再|移出|清退")


def outflow(c: Claim, table: FactsTable, text: str) -> float | None:
    """The count that left in the year (资格期满未通过重新认定的5家) as the table implies it: 新增 − 净增 of the
    thing named for it or, failing that, nearest before it in its sentence; None when the table lacks either."""
    names = [f.indicator for f in table.facts]
    sentence = text[max(text.rfind(ch, 0, c.start) for ch in _SENTENCE_START) + 1:c.start]
    subject = c.indicator or next(iter(n for n, _ in named(text, c.start, names)), None) or next(
        (n for n in names if len(noun(n)) >= 4 and noun(n) in sentence), None)  # 21家企业通过高新技术企业认定
    if not subject:
        return None
    kin = [g for g in table.facts if noun(g.indicator) == noun(subject) and g.value is not None]
    new = next((g.value for g in kin if variant(g.indicator) == "new"), None)
    net = next((g.value for g in kin if variant(g.indicator) == "net"), None)
    if net is None:
        total = next((g for g in kin if variant(g.indicator) in (None, "total") and g.get("增量")), None)
        net = total.get("增量").value if total else None
    return None if new is None or net is None else new - net
