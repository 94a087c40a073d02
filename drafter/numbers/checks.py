"""Checks on any text of a summary: every number has a source, nothing is copied from past summaries,
no placeholder is left, prior-year and target figures are stated as the ledger and the writer have them,
and the headings follow the outline. Each finding names its span and says, in Chinese, what to do.
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import yaml

from drafter.models import Finding
from drafter.numbers import claims
from drafter.numbers.facts import FactsTable, area, derive, note_kind
from drafter.numbers.figures import QUANTITY, TARGET_WORDS, cn_number, is_figure
from drafter.numbers.figures import indicator as catalog_entry
from drafter.outline_spec import PlannedSection

PLACEHOLDER = re.compile(r"〔N〕|20[xX×*＊]{2}|(?<![A-Za-z])[xX]{2,}(?![A-Za-z])|×{2,}|○{2,}|(?<!\d)\d{1,3}[*＊](?!\d)|某某")
PENDING = re.compile(r"【待(?:核实|补充)[^】]*】")
# a bracketed label that is not ours to leave: a prompt's heading (【现有正文】) or a draft's note (【草稿】) echoed
# the prompt's own marks in an answer: its headings (【写作者笔记】), the past summaries' masks (〔N〕, 〔某企业〕) and
# its rules' glosses (（不简称“高企”）)
SCAFFOLDING = re.compile(r"【(?!待核实|待补充)[^】\n]{1,40}】|[〔\[](?:N|某[\u4e00-\u9fff]{1,4})[〕\]]|（不简称[^）\n]{0,12}）")
# spans whose numbers are names, not figures: titles, document numbers, our own markers
SHIELDED = re.compile(r"《[^》]{0,80}》|“[^”]{0,12}”|〔\d{4}〕\d*号?|\(\d{4}\)\d+号|【[^】]{0,80}】|（参考表述：[^）]{0,60}）"
                      r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?|第\s*\d+\s*页|共\s*\d+\s*页|[A-Za-z]+[/-][\w/-]*")
FRACTION = re.compile(r"(?<![\d.])(\d{1,3})/(\d{1,3})(?![\d/])")
TENTHS = re.compile(r"(?<![一二两三四五六七八九十])([二两三四五六七八九])成(?![果员立为效绩本功熟型就长品全])")
NUMBER = re.compile(r"(?<![\d.,A-Za-z])\d+(?:,\d{3})*(?:\.\d+)?(?![\dA-Za-z])")
PRIOR_WORDS = re.compile(r"上年|去年|上一年|上年同期|去年同期")
TARGET_CLAUSE = re.compile(TARGET_WORDS.pattern + r"|目标|计划|任务|预期|争取|将")
RANK_BEFORE = re.compile(r"(位居|位列|居于|排名|排在|列|居)[^,，。;；]{0,8}第$")
CLAUSE = re.compile(r"[^,，;；。！？!?\n]+")
ITEM = re.compile(r"[^,，;；。！？!?\n、]+")
SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
CONTEXT_NOTE = re.compile(r"(全国|全省|全市|全县)(?:共有|共|仅有|仅|只有|总共)")  # 全省共4家: a comparison count
PEOPLE = {"人", "名", "位", "人次"}
MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、])")


KIND_LABELS = {  # what each kind of finding is called where a writer reads it
    "unverified_number": "数字无来源", "wrong_indicator": "数字张冠李戴", "wrong_year": "年份用错", "inconsistent_prior": "上年数不一致",
    "arithmetic": "计算不符", "qualifier": "约数不符", "rank": "排名无依据", "conflict": "前后不一", "target_as_actual": "目标写成已完成",
    "context_as_local": "对比数当成本地数", "plan_as_done": "计划写成已完成", "copied_text": "照抄往年", "placeholder": "占位符",
    "pending": "待核实", "outline": "提纲", "length": "篇幅不当",
    "fact_added": "改写加了事实", "fact_dropped": "改写删了事实", "note_dropped": "笔记没写进去",
    "scaffolding": "框架文字", "number_form": "数字写法",
    "plan_unanswered": "去年计划未回应", "repeat": "多节重复", "heading_promise": "标题未兑现", "repeated": "同一句写了两遍"}


@dataclass(frozen=True)
class Source:
    """A number a text may state, and where it comes from."""

    value: float
    unit: str
    label: str  # 高新技术企业总数（本年）, 笔记：…
    role: str  # value | target | prior | derived | note
    scope: str = "local"
    note_kind: str = "actual"
    indicator: str = ""  # the facts row it belongs to ("" for a note)
    key: str = ""  # value | target | next_target | prior | 增量 | 同比增长 | 提高 | 完成率


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    value: float
    unit: str | None


# ---- numbers ------------------------------------------------------------------------------------

def decimals(text: str) -> int:
    """Decimal places of a number as written (5.30亿元 → 2)."""
    number = re.match(r"[\d,]+(?:\.(\d+))?", text)
    return len(number.group(1) or "") if number else 0


def mentions(text: str) -> list[Mention]:
    """Numbers stated as quantities, with their unit when one follows; dates, ordinals and names left out."""
    shielded = [m.span() for m in SHIELDED.finditer(text)]
    out: dict[int, Mention] = {}
    for m in FRACTION.finditer(text):
        out[m.start()] = Mention(m.start(), m.end(), m.group(0), int(m.group(1)) / max(int(m.group(2)), 1), None)
    for m in TENTHS.finditer(text):  # 超过六成: 60%
        out[m.start()] = Mention(m.start(), m.end(), m.group(0), cn_number(m.group(1)) * 10, "%")
    for m in QUANTITY.finditer(text):
        sentence_start = max(text.rfind(c, 0, m.start()) for c in "。！？\n") + 1
        if _shielded(m.start(), shielded) or not is_figure(text[sentence_start:], _Sub(m, sentence_start)):
            if not text[:m.start()].endswith("第"):  # a rank (第2位) is still checked below
                shielded.append(m.span())  # judged not a figure (a threshold, a structure count): its digits too
            continue
        unit = (m.group("mag") or "") + m.group("unit")
        out[m.start()] = Mention(m.start("num"), m.end(), m.group(0), cn_number(m.group("num")), unit)
        if m.group("high"):
            out[m.start("high")] = Mention(m.start("high"), m.end(), m.group(0), cn_number(m.group("high")), unit)
    for m in NUMBER.finditer(text):
        if m.start() in out or _shielded(m.start(), shielded) or _date_or_ordinal(text, m):
            continue
        if any(a.start <= m.start() < a.end for a in out.values()) or _label(text, m):
            continue
        out[m.start()] = Mention(m.start(), m.end(), m.group(0), float(m.group(0).replace(",", "")), None)
    return [out[k] for k in sorted(out)]


class _Sub:
    """A match seen from the start of its sentence, as figures.is_figure expects."""

    def __init__(self, m: re.Match, offset: int):
        self._m, self._offset = m, offset

    def group(self, name: str) -> str | None:
        return self._m.group(name)

    def start(self, *args) -> int:
        return self._m.start(*args) - self._offset

    def end(self, *args) -> int:
        return self._m.end(*args) - self._offset


def _label(text: str, m: re.Match) -> bool:
    """A bare number naming something (512防灾减灾日, “5123”工程) or an id (a phone number), not a quantity."""
    after = text[m.end():m.end() + 1]
    if RANK_BEFORE.search(text[max(0, m.start() - 12):m.start()]):  # 位居全市第2位: a rank, checked
        return False
    return len(m.group(0)) >= 7 or bool(re.match(r"[\u4e00-\u9fff”\"]", after))


def _shielded(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _date_or_ordinal(text: str, m: re.Match) -> bool:
    value, after, before = m.group(0), text[m.end():m.end() + 6], text[max(0, m.start() - 12):m.start()]
    if "." not in value and "," not in value:
        n = int(value)
        if re.match(r"\s*(?:[-—~至到]\s*\d{4}\s*)?年", after) and 1949 <= n <= 2100:
            return True
        if re.match(r"\s*(?:[-—~至到]\s*\d{1,2}\s*)?月", after) and 1 <= n <= 12:
            return True
        if re.match(r"\s*[日号]", after) and 1 <= n <= 31 and re.search(r"月\s*$", before):
            return True
        if before.endswith("第") and not RANK_BEFORE.search(before):
            return True
        line_start = max(text.rfind(c, 0, m.start()) for c in "\n。；;：:") + 1  # …及时通报。2.统计执法。
        prefix = text[line_start:m.start()]
        if re.fullmatch(r"[#\s]*[(（]?", prefix) and re.match(r"[.、．)）]", after) and \
                (text[line_start - 1:line_start] in ("", "\n") or re.match(r"[.、．)）]\s*[\u4e00-\u9fff]", after)):
            return True
    return False


# ---- the checks -------------------------------------------------------------------------------

def sources(table: FactsTable) -> list[Source]:
    """Every number the facts table and the writer's notes allow a text to state."""
    out: list[Source] = []
    for f in table.facts:
        for key, role in (("value", "value"), ("target", "target"), ("next_target", "target"), ("prior", "prior")):
            if (value := getattr(f, key)) is not None:
                out.append(Source(value, f.unit, f"{f.indicator}（{_ROLE[role]}）", role, indicator=f.indicator, key=key))
        for d in f.derived:
            out.append(Source(abs(float(d.text)), d.unit, f"{f.indicator}{d.name}", "derived", indicator=f.indicator,
                              key=d.name))
        if f.value is not None and f.target is not None and f.value < f.target:  # 距年度目标仍差0.05亿元
            gap = round(f.target - f.value, 6)
            out.append(Source(gap, f.unit, f"{f.indicator}距目标", "derived", indicator=f.indicator, key="差距"))
    for section, lines in table.notes.items():
        for line in lines:
            ended = line if line[-1:] in "。！？；;" else line + "。"  # a note's last figure is read like any other
            for m in mentions(ended):
                clause, at = _around(CLAUSE, ended, m.start)
                # 建成“三宜”街区18个，计划2023年再建成20个: the plan is the clause's; a plan section's notes are plans
                kind = "target" if note_kind(section) == "plan" or TARGET_CLAUSE.search(clause) and not re.search("已|完成", clause) \
                    or claims.AS_TARGET.match(ended, m.end) else "actual"  # 未完成60项的年度目标: 60 is the target
                scope = "context" if _compared(line, table) or claims.elsewhere(clause[:m.start - at], table) \
                    or claims.named_place(line, table.org) else "local"
                item = _around(ITEM, ended, m.start)[0]  # 概念验证中心2家、中试基地1家: each count with its own thing
                out.append(Source(m.value, m.unit or "", f"笔记：{line}", "note", scope, kind, key=item))
    return out


_ROLE = {"value": "本年", "target": "目标", "prior": "上年", "derived": "推算"}


def check(text: str, table: FactsTable | None, *, planned: list[PlannedSection] | None = None,
          past: list[tuple[str, str]] | None = None, copy_min_chars: int = 20,
          context_values: list[dict] | None = None, reference: str = "", future: bool = False) -> list[Finding]:
    """All findings on a text. `past`: (name, text) of past summaries; `context_values`: ledger context figures;
    `reference`: what the text was written from (the previous version), besides the writer's notes;
    `future`: the text is a plan, so an indicator's value it states is next year's target."""
    notes = "\n".join(line for lines in table.notes.values() for line in lines) if table else ""
    plans = tuple(line for key, lines in table.notes.items() if note_kind(key) == "plan" for line in lines) \
        if table else ()  # 工作打算's notes: next year's work, done or not (建成区级统计数据共享平台)
    findings = number_findings(text, table, context_values or [], future) if table else []
    vague = vague_findings(text, notes, table)  # 2-3个月: one finding for the range, not one for each end
    findings = [f for f in findings if not any(v.start < f.end and f.start < v.end for v in vague)] + vague
    findings += placeholder_findings(text) + ([] if planned else repeated_findings(text))  # within a section
    done = "\n".join(line for key, lines in table.notes.items() if note_kind(key) != "plan" for line in lines) \
        if table else ""
    # a plan may say 建成…: it is next year's; only what it says is done already (在已出台的《…》基础上) is checked
    findings += plan_findings(text, done + "\n" + reference, plans, said_done=future)
    if past:
        findings += copied_findings(text, past, copy_min_chars, table)
    if planned:  # a whole document: its outline and the form of its figures
        from drafter.numbers.form import form_findings

        findings += outline_findings(text, planned) + form_findings(text)
    return sorted(findings, key=lambda f: (f.start, f.kind))


def check_section(text: str, table: FactsTable, planned: list[PlannedSection], section: str, *,
                  past=None, copy_min_chars: int = 20, context_values: list[dict] | None = None,
                  reference: str = "") -> list[Finding]:
    """Findings on one section's text: its numbers, copies and placeholders, and its length against the outline;
    a plan section speaks of next year throughout."""
    planned_section = next((p for p in planned if p.spec.id == section), None)
    spec = planned_section.spec if planned_section else None
    found = check(text, table, past=past, copy_min_chars=copy_min_chars, context_values=context_values,
                  reference=reference, future=spec is not None and spec.prompt == "plan")
    if spec is not None and spec.kind == "body" and text.strip():
        found += [Finding("heading_promise", 0, 0, topic, f"标题写了“{topic}”，正文没有写到。",
                          f"补写{topic}方面的工作；没有的，从标题中删去“{topic}”，或写一处【待补充：{topic}方面的工作】。")
                  for topic in unwritten_topics(planned_section.title, spec.query, text)]
    return found + length(text, spec.length if spec else 0)


_JOINERS = re.compile(r"以及|[、与和及]")


def unwritten_topics(title: str, query: str, text: str) -> list[str]:
    """The topics a heading joins (科技人才与科技特派员; 农业农村科技、科普与防震减灾) that the text says nothing of:
    no two-character word of the topic, nor of a word of the section's query that shares a character with it
    (地震应急演练 for 防震减灾), is in the text. Only topics of three characters or more once 科技, 建设, 工作, 机关,
    自身 are set aside (特派员, 防震减灾): 党建 or 人才 is said in too many ways to miss it by its words."""
    topics = [t for t in _JOINERS.split(title) if len(t) >= 2]
    if len(topics) < 2:
        return []
    said = bigrams(text)
    out = []
    for topic in topics:
        core = re.sub(r"科技|建设|工作|机关|自身", "", topic)
        if len(core) < 3:
            continue
        kin = [w for w in query.split() if set(w) & set(core)]
        if not any(bigrams(w) & said for w in [core, *kin]):
            out.append(topic)
    return out


def bigrams(text: str) -> set[str]:
    """The two-character runs of a text's Chinese, the unit of wording a note, a plan item or a topic is matched by."""
    han = re.sub(r"[^\u4e00-\u9fff]", "|", text)
    return {han[i:i + 2] for i in range(len(han) - 1) if "|" not in han[i:i + 2]}


_VAGUE = re.compile(r"(?<![\d一二三四五六七八九十两〇零进入])(?:(?:突破|超过|超|[数上近逾])?[十百千万]+[余多]?|\d+\s*[-－—~～至到]\s*\d+)"
                    r"\s*(?P<unit>人次|人|家|项|场次|场|次|个月|个|件|天|周|户|名)(?!争鸣|灯火)")  # 进万家活动: no count


_MAGNITUDE = {"十": 10, "百": 100, "千": 1000, "万": 10_000}


def vague_findings(text: str, notes: str, table: FactsTable | None = None) -> list[Finding]:
    """Counts no table can hold: a magnitude in words (万余人次, 上百家) or a range (2-3个月) that neither the notes
    nor a value of the table bears out (近百家 for 98 is the table's number, said roughly)."""
    found = list(_VAGUE.finditer(text))
    if not found:
        return []
    shielded = [p.span() for p in SHIELDED.finditer(text)]
    allowed = sources(table) if table else []
    out = []
    for m in found:
        said, unit = m.group(0), m.group("unit")
        values = [claims.convert(s.value, s.unit, unit) for s in allowed  # not 九江市's 1860户 for 上千户
                  if claims.same_unit(s.unit, unit) and s.scope != "context"]
        if said in notes or _shielded(m.start(), shielded) or _borne_out(text[m.start():m.start("unit")].strip(), values):
            continue
        out.append(Finding("unverified_number", m.start(), m.end(), said, f"“{said}”是笼统或约略的数，事实表和笔记中没有。",
                           "改用事实表或笔记中的具体数字，或删去。"))
    return out


def _borne_out(words: str, values: list[float]) -> bool:
    """近百 (90–100), 百余 (100–200), 上百/逾百 (≥ 100), 数百 (200–999) against the table's values."""
    digits = re.sub(r"[^十百千万]", "", words)
    if not digits:
        return False
    size = 1
    for ch in digits:
        size *= _MAGNITUDE[ch]
    over = (size, 10 * size)  # 上百, 逾百, 突破百家, 超千人
    low, high = {"近": (0.9 * size, size), "数": (2 * size, 10 * size), "上": over, "逾": over, "突": over,
                 "超": over}.get(words[0], (size, 2 * size) if words[-1] in "余多" else (size, size))
    return any(low <= v <= high for v in values)


def length(text: str, target: int) -> list[Finding]:
    """A section far beyond its length (three times the outline's figure): a model that padded or repeated itself."""
    size = len(re.sub(r"\s", "", text))
    if not target or size <= 3 * target:
        return []
    return [Finding("length", 0, 0, "", f"本部分 {size} 字，远超提纲规定的约 {target} 字。",
                    "请删去重复和空泛的内容，或用“缩写”压缩。")]


def number_findings(text: str, table: FactsTable, context_values: list[dict], future: bool = False
                    ) -> list[Finding]:
    allowed = sources(table)
    ranks = claims.rank_spans(text)
    found = [m for m in mentions(text) if not any(a <= m.start < b for a, b in ranks)]  # ranks are judged apart
    found = sorted(found + [Mention(*r) for r in claims.round_numbers(text) if all(r[0] != m.start for m in found)],
                   key=lambda m: m.start)
    read = claims.read(text, table, found)
    out = []
    for i, (m, claim) in enumerate(zip(found, read)):
        clause, clause_at = _around(CLAUSE, text, m.start)
        if future and claim.role == "value" and not re.search(  # 在今年完成改造150户的基础上: this year's, said as such
                rf"今年|本年|{table.year}年", text[max(clause_at, found[i - 1].end if i else 0):m.start]):
            claim = replace(claim, role="next_target")  # 工作打算: 总数达到360家 is next year's target
        own = text[max(clause_at, found[i - 1].end if i else 0):  # 剔除期满未通过的6家后净增9家: the 期满 is 6's
                   min(clause_at + len(clause), found[i + 1].start if i + 1 < len(found) else len(text))]
        if claims.OUTFLOW.search(own):
            if (left := claims.outflow(claim, table, text)) is not None:
                if not claims.equal(m.value, m.unit, m.text, left, m.unit or ""):  # 资格期满未通过重新认定的5家
                    out.append(Finding("arithmetic", m.start, m.end, m.text,
                                       f"按事实表，新增与净增之差（期满未通过等减少的）应为{claims._fmt(left)}，这里写作{m.text}。",
                                       "核对新增、减少与净增。", indicator=claim.indicator))
                continue
            claim = replace(claim, indicator=None)  # 两家众创空间被撤销备案: a count of those that left, not the row
        if not (claim.indicator and claim.direction and PRIOR_WORDS.search(text[clause_at:m.start])) and _gap(text, m, found[:i], table, allowed) or _share(text, m, claim, found[:i], table, allowed) \
                or _as_noted(text, m, claim, allowed):
            continue
        verdict = claims.judge(claim, table)
        if verdict is claims.UNKNOWN and (derived := _from_stated(text, m, claim, read, table, out)) is not None:
            verdict = derived or None
        if verdict is None and claim.indicator:
            continue
        if verdict is not None and verdict is not claims.UNKNOWN:
            out.append(_as_context(verdict, m, allowed) if not claims.elsewhere(clause, table) else verdict)
        elif (finding := _by_value(text, m, claim, allowed, table, context_values)) \
                and not (finding.kind == "unverified_number" and claims.summed(text, m, found)):
            out.append(finding)
    out += claims.rank_findings(text, table)
    out += claims.completion_findings(text, table, found)
    out += claims.breakdown_findings(text, found, frozenset(f.start for f in out))
    return out


_GAP = re.compile(r"差|距|低于|高于|高出|低出|相差|多出|少于|超出|超过|比[^，。；]{1,12}[多少]")


def _gap(text: str, m: Mention, before: list[Mention], table: FactsTable, allowed: list[Source]) -> bool:
    """The difference of two figures the sentence states or names the rows of (距95家的年度目标差1家; 2.44%，低于全省2.61%
    的平均水平0.17个百分点; 全省2.41%，我县…强度与全省仍有0.36个百分点的差距): derived from them, as good as they are."""
    sentence, start = _around(SENTENCE, text, m.start)
    if not _GAP.search(text[start:m.end + 6]):
        return False
    unit = "%" if m.unit == "个百分点" else m.unit
    stated = [(b.value, b.unit) for b in before if b.start >= start]
    stated += _named_cells(table, sentence, ("value", "target")) + _named_notes(allowed, sentence) + [
        (v, f.unit) for f in table.facts if any(claims.same_unit(u, f.unit) and claims.equal(a, u, "", c, f.unit)
                                                for a, u in stated for c in (f.value, f.target) if c is not None)
        for v in (f.value, f.target) if v is not None]  # 超5300件，完成5000件年度目标…，超出目标320件: the row's
    stated = [(v, u) for v, u in stated if claims.same_unit(u, unit) and (u == "%") == (unit == "%")]
    return any(claims.equal(m.value, m.unit, m.text, abs(a - claims.convert(b, bu, au)), au)
               for j, (a, au) in enumerate(stated) for b, bu in stated[j + 1:])


def _as_noted(text: str, m: Mention, claim, allowed: list[Source]) -> bool:
    """A figure the text states as a note of the writer states it, with the same words next to it (新登记社会组织12家,
    166个湖泊保持无劣V类, 累计获得31个批件): the note's, even where a row of the same noun counts another thing."""
    if claim.role != "value" or PRIOR_WORDS.search(_around(CLAUSE, text, m.start)[0]):
        return False
    after = text[m.end:m.end + 2]
    item = _around(ITEM, text, m.start)[0]
    for s in allowed:
        if s.role != "note" or s.scope == "context" or s.note_kind == "target" or not matches(m, s):
            continue
        if not claim.qualifier and len(_note_mentions(s.key)) == 1 and claims.held(item, s.key) >= 0.75:
            return True  # 新纳入重点排污单位126家 of the note's 新纳入重点排污单位名录126家
        for n in _note_mentions(s.key):
            words = re.search(r"[\u4e00-\u9fff]{0,6}$", s.key[:n.start]).group(0)  # the note's naming, whole
            if abs(n.value - s.value) < 1e-9 and n.unit == m.unit and (
                    len(words) >= 3 and _common_tail(words, text[:m.start]) == len(words)
                    or re.fullmatch(r"[\u4e00-\u9fff]{2}", after) and after not in ("以上", "左右", "以来")
                    and s.key[n.end:n.end + 2] == after):
                return True
    return False


@lru_cache(maxsize=4096)
def _note_mentions(item: str) -> tuple[Mention, ...]:
    """The figures of a note's item, read once however many figures of a draft are held against it."""
    return tuple(mentions(item))


def _common_tail(a: str, b: str) -> int:
    """How many characters two texts end alike with."""
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _named_notes(allowed: list[Source], sentence: str, actual: bool = False) -> list[tuple[float, str]]:
    """(value, unit) of the notes' figures whose own words the sentence names (全省县域就诊率89.7% in …县域就诊率91.2%，
    高出全省平均水平1.5个百分点; 工业用地2153.4亩 in 其中工业用地占比54.0%); `actual`: not a plan's or a target's."""
    out = []
    for s in allowed:
        if s.role != "note" or actual and s.note_kind == "target":
            continue
        for n in _note_mentions(s.key):
            words = re.search(r"[\u4e00-\u9fff]{2,6}$", re.sub(r"(?:全国|全省|全市|全县|全区|平均|为|达到?|共|有)+$", "", s.key[:n.start]))
            if abs(n.value - s.value) < 1e-9 and words and words.group(0)[-4:] in sentence:
                out.append((s.value, s.unit))
    return out


def _named_cells(table: FactsTable, sentence: str, which: tuple[str, ...]) -> list[tuple[float, str]]:
    """(value, unit) of the given cells of the rows a sentence names."""
    return [(v, f.unit) for f in table.facts if _names(f.indicator, sentence)
            for v in (getattr(f, w) for w in which) if v is not None]


def _share(text: str, m: Mention, claim, before: list[Mention], table: FactsTable, allowed: list[Source]) -> bool:
    """A rate of two counts the sentence states or names the rows of (发布技术需求45项，揭榜成功37项，成功率超过八成;
    其中工业用地2153.4亩，占比54.0% of the 供应土地 row's 3986.55亩)."""
    if m.unit != "%" or not (m.text.endswith("成") or re.search(r"率|占", text[_around(CLAUSE, text, m.start)[1]:m.start])):
        return False  # 成功率超过八成, 占比54.0%, 三成以上案件…
    sentence, start = _around(SENTENCE, text, m.start)
    stated = [(b.value, b.unit) for b in before if b.start >= start and b.unit and b.unit != "%"]
    named = [(v, u) for v, u in _named_cells(table, sentence, ("value",)) if u != "%"]
    stated += [(v, u) for v, u in _named_notes(allowed, sentence, actual=True) if u and u != "%"]  # not 7 of next year's 10
    for a, au in stated:  # the part is a figure the sentence states; the whole, one it states or a row it names
        for b, bu in stated + named:
            if claims.same_unit(au, bu) and 0 < a < claims.convert(b, bu, au):
                rate = a / claims.convert(b, bu, au) * 100
                if claims.qualified(claim.qualifier, m.value, m.text, rate) if claim.qualifier else \
                        claims.equal(m.value, "%", m.text, rate, "%"):
                    return True
    return False


def _from_stated(text: str, m: Mention, claim, read: list, table: FactsTable, found: list[Finding]
                 ) -> Finding | bool | None:
    """The change of a row with last year's value but none of this year's, from the figure the sentence has just
    stated (全年认定登记技术合同3760份，同比增长5.0%: 3760 against the ledger's 3580): a finding when it is wrong, False
    when it is right, None when the sentence states no such figure."""
    f = table.find(claim.indicator) if claim.indicator else None
    if f is None or f.value is not None or f.prior is None or claim.role not in ("同比增长", "增量"):
        return None
    stated = [c for c in read if c.end <= m.start and c.role == "value" and c.start >= _around(SENTENCE, text, m.start)[1]
              and c.indicator in (None, f.indicator) and claims.same_unit(c.unit, f.unit)]
    if not stated or any(x.start == stated[-1].start for x in found):  # itself without a source
        return None
    value = claims.convert(stated[-1].value, stated[-1].unit, f.unit)
    own = replace(f, value=value, derived=derive(value, f.prior, None, f.unit))
    verdict = claims.judge(claim, replace(table, facts=tuple(own if g is f else g for g in table.facts)))
    return None if verdict is claims.UNKNOWN else verdict or False


def _by_value(text: str, m: Mention, claim, allowed: list[Source], table: FactsTable, context_values: list[dict]
              ) -> Finding | None:
    """A number naming no facts row: it needs a source of the same value, kind and scope."""
    matched = [s for s in allowed if matches(m, s)]
    exact = [s for s in matched if abs(claims.convert(s.value, s.unit, m.unit) - m.value) < 1e-9]
    if exact and not claim.qualifier and m.text[:1].isdigit():
        matched = exact  # 3.6亿元 is next year's 3.6, not last year's 3.58 said roughly
    if claim.role == "value" and not claim.qualifier:  # 材料平均精简62% is not the 61.8% growth of a row it never names
        sentence = _around(SENTENCE, text, m.start)[0]
        matched = [s for s in matched if s.role != "derived" or s in exact or _names(s.indicator, sentence)]
    if not matched and claim.qualifier:  # 近6000万元 for 5800万元, 20余场 for 24场: a source the qualifier fits
        matched = [s for s in allowed if claims.same_unit(m.unit, s.unit) and (s.role == "prior") == (claim.role == "prior")
                   and (s.unit or not m.unit)  # a bare number of a note (第6位) is no base for 超1.9万条
                   and claims.qualified(claim.qualifier, m.value, m.text, v := claims.convert(s.value, s.unit, m.unit))
                   and v <= 1.3 * m.value  # 超45公里 is not of 186公里
                   and (claims.held(_around(CLAUSE, text, m.start)[0], s.key) > 0 if s.role == "note"  # of the same thing
                        else _names(s.indicator, _around(SENTENCE, text, m.start)[0]))
                   and (s.role != "derived" or s.key == claim.role)]  # 就业率85%以上 is no 完成率
    sentence, at = _around(SENTENCE, text, m.start)
    clause, clause_at = _around(CLAUSE, text, m.start)
    lead_in = sentence[:m.start - at] + clause  # the sentence up to and around it
    if not matched:
        return claims.other_activity(m, clause, allowed) or _unsourced(m, sentence, clause, table, context_values)
    if claim.qualifier in ("突破", "超", "超过", "逾") and any(
            s.role == "target" and (f := table.find(s.indicator)) and f.value is not None
            and claims.qualified(claim.qualifier, m.value, m.text, claims.convert(f.value, f.unit, m.unit)) for s in matched):
        return None  # 首次突破55亿元 of a row at 56.30, 完成年度投资超8亿元 of 8.46: the target passed, said of the actual
    # 超5000万元 of a note's 5000万元 or 近5000万元, 超1.9万条 of 18640条 (rounded up, then said to be passed)
    if claim.qualifier in _STRICT and not any(_qualifier_of(s) == claim.qualifier or claims.qualified(
            claim.qualifier, m.value, m.text, claims.convert(s.value, s.unit, m.unit)) for s in matched):
        said = matched[0].label.removeprefix("笔记：")
        here = f"{m.text}以上" if claim.qualifier == "以上" else f"{claim.qualifier}{m.text}"
        return Finding("qualifier", m.start, m.end, m.text, f"来源写的是“{said[:30]}”，这里写作“{here}”，与之不符。",
                       "照来源的说法写（余、超、近不能互换），或用相符的说法。")
    if claim.role == "prior" and all(s.role == "value" and abs(s.value - m.value) < 1e-9 for s in matched):
        return Finding("wrong_year", m.start, m.end, m.text,
                       f"{m.text}是今年的数（{matched[0].label}），这里写成了上年的数。", "核对年份，改用上年的数字。")
    if claim.role == "value" and all(s.role == "prior" for s in matched) and _distinct(m) and not re.search(
            rf"{PRIOR_WORDS.pattern}|{table.year - 1}年|[由从]$", text[clause_at:m.start]):  # 城镇居民收入36047元 (2020's)
        return Finding("wrong_year", m.start, m.end, m.text,
                       f"{m.text}是上年的数（{matched[0].label}），这里写成了今年的数。", "核对年份，改用今年的数字。")
    if all(s.scope == "context" for s in matched) and claims.framed_elsewhere(text, clause_at, table):
        return None  # 从全省看，城镇污水处理能力3268万吨/日: the comparison figure, said as one
    if claim.role != "prior" and (finding := claims.other_activity(m, _around(ITEM, text, m.start)[0], allowed,
                                                                      matched, sentence, text[max(0, m.start - 4):m.start])):
        return finding
    if finding := claims.ledger_context(m, clause, matched, context_values, table):
        return finding
    if all(s.role == "target" or s.note_kind == "target" for s in matched) and not TARGET_CLAUSE.search(lead_in):
        return Finding("target_as_actual", m.start, m.end, m.text,
                       f"{m.text}是目标值（{matched[0].label}），这里写成了已完成的实绩。",
                       "写成“目标为…”“力争…”，或改用本年实际完成数。")
    if all(s.scope == "context" for s in matched) and not _compared(lead_in, table) \
            and not claims.elsewhere(text[clause_at:m.start], table):
        return Finding("context_as_local", m.start, m.end, m.text,
                       f"{m.text}是对比用的外地或上级数字（{matched[0].label}），不能当作本地数字。",
                       "写明“全省/全市共…”，或删去。")
    return None


def _as_context(verdict: Finding, m: Mention, allowed: list[Source]) -> Finding:
    """A row's wrong figure that is a comparison figure of the notes (九江市…1860户 for the row's 150户): named so."""
    context = next((s for s in allowed if s.scope == "context" and matches(m, s)), None)
    if verdict.kind != "unverified_number" or context is None:
        return verdict
    return replace(verdict, kind="context_as_local",
                   message=f"{m.text}是对比用的外地或上级数字（{context.label}），不能当作本地数字。",
                   suggestion="写明“全省/全市共…”，或删去。")


def _distinct(m: Mention) -> bool:
    """A figure too particular to coincide with another year's by chance (36047元, 4.62亿元; not 3个, not 2-3个月)."""
    return not re.search(r"[-~～—至到]", m.text) and (m.value >= 20 or m.value % 1 != 0)


_STRICT = {"近", "接近", "将近", "不到", "不足", "超", "超过", "逾", "突破"}  # never the value itself (突破: reached)


def _qualifier_of(s: Source) -> str | None:
    """The qualifier a note's line puts on its figure (2400余项 → 余, 近千人 → 近); None for a table cell."""
    if s.role != "note":
        return None
    number = re.escape(f"{s.value:g}")
    if s.unit == "%" and s.value in range(20, 100, 10):  # 首贷户占比超过三成
        number = rf"(?:{number}|{'二三四五六七八九'[int(s.value) // 10 - 2]}成)"
    m = re.search(rf"(近|接近|将近|不到|不足|超过|超|逾|突破)?{number}(?:\.0+)?[万亿]?(余|多)?", s.label)
    return (m.group(1) or m.group(2)) if m else None


def _compared(lead_in: str, table: FactsTable) -> bool:
    """The text itself states the number as a comparison count (全省共有11家)."""
    region = CONTEXT_NOTE.search(lead_in)
    return bool(region and region.group(1) != area(table.org))


def _unsourced(m: Mention, sentence: str, clause: str, table: FactsTable, context_values: list[dict]) -> Finding | None:
    for f in table.facts:
        if f.prior is not None and PRIOR_WORDS.search(clause) and _names(f.indicator, sentence) and claims.same_unit(m.unit, f.unit):
            return Finding("inconsistent_prior", m.start, m.end, m.text,
                           f"上年{f.indicator}在往年材料中为{f.prior_said()}（{f.prior_source}），这里写作{m.text}。",
                           f"改为{f.prior_said()}，或在事实表中更正上年值。")
    for c in context_values:
        if abs(c["value"] - m.value) < 1e-9 and claims.same_unit(m.unit, c["unit"]):
            if claims.elsewhere(clause, table) or _compared(clause, table):
                return None  # stated as the comparison figure it is (当年全省共12家)
            return Finding("context_as_local", m.start, m.end, m.text,
                           f"{m.text}在往年材料中是对比用的数字（{Path(c['path']).name}：{c['sentence']}），不是本地数字。",
                           "删去，或改用事实表中的本地数字。")
    return Finding("unverified_number", m.start, m.end, m.text,
                   f"数字{m.text}在事实表和笔记中都找不到来源。",
                   "改用事实表中的数字；确有此数的，先补进事实表或笔记。")


def _names(indicator: str, sentence: str) -> bool:
    known = catalog_entry(indicator)
    return indicator in sentence or bool(known and any(a.search(sentence) for a in known.aliases))


def matches(m: Mention, s: Source) -> bool:
    """The one equality rule of a stated number and a table or note value: the same kind of unit, the same value
    to the precision it is written with (money converted; a rounder figure only within half a percent)."""
    if not claims.same_unit(m.unit, s.unit):  # 3场 is not 3家: a count of another thing
        return False
    return claims.equal(m.value, m.unit, m.text, s.value, s.unit)


def _around(pattern: re.Pattern, text: str, pos: int) -> tuple[str, int]:
    """The match of `pattern` (a sentence or clause) holding position `pos`, and where it starts."""
    for m in pattern.finditer(text, max(0, pos - 300)):
        if m.start() <= pos < m.end():
            return m.group(0), m.start()
    return "", pos


def placeholder_findings(text: str) -> list[Finding]:
    out = [Finding("placeholder", m.start(), m.end(), m.group(0), f"“{m.group(0)}”是没有填写的占位符。",
                   "换成事实表中的数字或具体名称。") for m in PLACEHOLDER.finditer(text)
           if not _shielded(m.start(), [p.span() for p in PENDING.finditer(text)])]
    out += [Finding("pending", m.start(), m.end(), m.group(0), f"{m.group(0)}：待写作者核实或补充。",
                    "拿到数字或材料后替换，并删去方括号。") for m in PENDING.finditer(text)]
    out += [Finding("scaffolding", m.start(), m.end(), m.group(0), f"“{m.group(0)}”是提示词或草稿的框架文字，不是正文。",
                    "删去它（导出时不会带上）。") for m in SCAFFOLDING.finditer(text)]
    return out


def repeated_findings(text: str) -> list[Finding]:
    """A clause written twice in one section (四是加强与高校、科研机构的交流合作 … 六是加强与高校、科研机构的交流合作):
    the second one, when it has twelve Chinese characters or more."""
    seen, out = set(), []
    for m in CLAUSE.finditer(text):
        core = re.sub(r"^\s*[一二三四五六七八九十]+是|\s", "", m.group(0))
        if len(re.findall(r"[\u4e00-\u9fff]", core)) >= 12 and core in seen:  # words, not a figure's clause
            out.append(Finding("repeated", m.start(), m.end(), m.group(0).strip(), f"“{core[:24]}”在本部分写了两遍。",
                               "删去重复的一处。"))
        seen.add(core)
    return out


# ---- plans stated as done ----------------------------------------------------------------------

PLAN_WORDS = re.compile(r"拟|计划|预计|力争|争取|正在|筹备|谋划|推动|推进|将|尚未|未获|未能|未通过|有待|待(?!遇)")
DONE_WORDS = re.compile(r"已经|已|获批|建成|完成|通过|实现|成功|正式|跻身|出台|印发|设立|新设|开馆|投用|投入使用|落成")


def plan_findings(text: str, reference: str, plans_too: tuple[str, ...] = (), said_done: bool = False) -> list[Finding]:
    """A plan of the reference (拟新建…, 推动…获批) or of the plan section's notes stated as done (已新建…):
    a done clause sharing its object (a run of 5+ characters) with a plan more than with any done note."""
    clauses = CLAUSE.findall(reference)
    plans = [c for line in reference.split("\n") for c in _with_subject(CLAUSE.findall(line))
             if PLAN_WORDS.search(c) and not (_UNDER_WAY.search(c) and _reports_done(line))]
    plans += [c for line in plans_too for c in CLAUSE.findall(line)]
    plans = [(c, _core(c)) for c in plans if len(_core(c)) >= 4]
    reached = [c for c in clauses if DONE_WORDS.search(c) and not PLAN_WORDS.search(c)]
    done = [_core(c) for c in reached]
    out, clauses = [], list(CLAUSE.finditer(text))
    for i, m in enumerate(clauses):
        clause = m.group(0)
        if not DONE_WORDS.search(clause) or PLAN_WORDS.search(clause) or _GROWTH.search(clause) \
                or said_done and "已" not in clause or claims.MET.search(clause):
            continue  # 创业担保贷款实现较快增长: a change of the year, nothing finished; 超额完成任务: the table's to judge
        core = _core(clause)
        if _told_done(clause, core, reference):
            continue
        # 省级高新区创建取得突破，已获省政府批复设立: a clause without its object is read with the one before
        joined = i and len(core) < 10 and text[m.start() - 1:m.start()] in "，,"
        whole = _core(clauses[i - 1].group(0)) + core if joined else core
        shared, closeness, source = max(((n := _shared(core, k), n / max(len(core), len(k)), c) for c, k in plans
                                         if not _other_amount(clause, c)), default=(0, 0.0, ""))
        near = max(((_shared(core, d), _shared(core, d) / max(len(core), len(d))) for d in done), default=(0, 0.0))
        if shared >= 5 and closeness >= 0.4 and closeness > near[1] and shared >= near[0] \
                or (source := _stage_skipped(clause, whole, plans, reached)) \
                or (source := _step_planned(clause, whole, plans, reached)):
            out.append(Finding("plan_as_done", m.start(), m.end(), clause.strip(),
                               f"“{source.strip()}”还是计划，这里写成了已经完成。",
                               "确已完成的，先在笔记中更新；否则保留“拟/计划/正在”等说法。"))
    return out


_GROWTH = re.compile(r"实现[^，,；;。]{0,4}(?:增长|提升|提高|上升|翻番)")


def _other_amount(clause: str, plan: str) -> bool:
    """The clause states an amount of its own where the plan sets another (实现旅游综合收入48.36亿元 against the
    plan's 旅游综合收入52亿元): the year's figure, judged as a number, not the plan reached."""
    said = {(m.value, m.unit) for m in mentions(clause) if m.unit}
    planned = {(m.value, m.unit) for m in mentions(plan) if m.unit}
    return bool(said and planned and not said & planned)


def _told_done(clause: str, core: str, reference: str) -> bool:
    """A note says the very step done for the same thing (2部雷达刚完成立项; 拟新建…雷达2部，已完成立项); every step the
    clause takes, not one of them (完成初步设计后已于年内开工建设, of a note 已完成初步设计，拟于2023年开工)."""
    steps = [step for d in DONE_WORDS.finditer(clause) if len(step := clause[d.start():d.end() + 2]) >= 3]
    told = {step for step in steps for line in reference.split("\n") for said in CLAUSE.findall(line)
            if step in said and not PLAN_WORDS.search(said) and _shared(core, _core(line)) >= 5}
    return bool(told) and all(step in told or not _steps_on(step) for step in steps)


def _steps_on(step: str) -> bool:
    """A step that takes the thing further (已于年内开工, 已开工建设), not only says it was done (已完成初步)."""
    return bool(re.match(r"已(?:经)?(?:于[^，。；]{1,4}?(?:内|底|前|中))?[\u4e00-\u9fff]", step))


# the stages a thing reaches, each a plan until a note says it is reached: approved (认定, 批复), built (建成, 投运)
_STAGES = (re.compile(r"认定|批复|获批|批准|设立|授牌|命名"), re.compile(r"建成|开馆|投运|投用|投入使用|投产|竣工|完工|开业"))
_BEFORE = (re.compile(r"申报|申请|创建"), re.compile(r"开工|动工|选址|建设"))  # a stage before each: 拟于2025年开工建设


def _stage_skipped(clause: str, core: str, plans: list[tuple[str, str]], reached: list[str]) -> str:
    """The plan a done clause skips ahead of (省级高新区已获省政府批复设立, when the notes have it 列入培育名单 and
    拟于2025年申报认定): it states a stage that a plan of the same thing has still to reach and no done note gives."""
    for stage, before in zip(_STAGES, _BEFORE):
        if not stage.search(clause):
            continue
        for source, key in plans:
            if _shared(core, key) >= 5 and (stage.search(source) or before.search(source)) and \
                    not any(_shared(core, _core(r)) >= 5 and stage.search(r) for r in reached):
                return source
    return ""


def _step_planned(clause: str, core: str, plans: list[tuple[str, str]], reached: list[str]) -> str:
    """The plan whose very step a done clause says is taken (项目主体结构已顺利结顶 of 计划2026年底结顶; 在杭州新设第3个
    离岸创新中心 of 拟在杭州新设1个): the step after 已, or the done word, follows a plan word in a plan of the same thing
    and in no done note of it."""
    steps = {d.group(0) for d in DONE_WORDS.finditer(clause) if not d.group(0).startswith("已")}
    steps |= {a.group(1) for a in re.finditer(
        r"已(?:经)?(?:于[^，。；]{1,4}?(?:内|底|前|中))?(?:顺利|全面|如期|基本|正式|落地)*([\u4e00-\u9fff]{2})", clause)}
    steps |= set(re.findall(r"[\u4e00-\u9fff]{4}$", core))  # 已于年内建成并下闸蓄水 of 计划2027年底下闸蓄水
    for source, key in plans:
        if _shared(core, key) < 4:  # 主体结构 of 项目主体结构已顺利结顶: the step itself says more
            continue
        for step in steps - {"完成", "实现", "通过"}:  # too common a word to tell one step from another
            if re.search(rf"(?:{PLAN_WORDS.pattern})[^，。；]{{0,10}}{re.escape(step)}", source) and \
                    not any(_shared(core, _core(r)) >= 5 and step in re.sub(r"《[^》]*》", "", r) for r in reached):
                return source
    return ""


_UNDER_WAY = re.compile(r"推动|推进")  # 推动…建设，重点企业实现全覆盖: work of the year, with its outcome


def _reports_done(line: str) -> bool:
    return any(DONE_WORDS.search(c) and not PLAN_WORDS.search(c) for c in CLAUSE.findall(line))


def _with_subject(clauses: list[str]) -> list[str]:
    """A plan clause without its object (…新馆主体结构封顶，计划2025年建成开馆) read with the clause before it."""
    return [c if len(re.sub(r"[\d年月底前于]", "", _core(c))) >= 6 or i == 0 else clauses[i - 1] + "，" + c
            for i, c in enumerate(clauses)]


def _shared(a: str, b: str) -> int:
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def _core(clause: str) -> str:
    return re.sub(r"\s|[“”\"]", "", DONE_WORDS.sub("", PLAN_WORDS.sub("", clause)))


# ---- copied text --------------------------------------------------------------------------------

@cache
def stock_phrases() -> tuple[re.Pattern, ...]:
    """Formulae every summary may share (drafter/data/stock_phrases.yaml, regular expressions over the
    folded text: commas as ","): never counted as copying."""
    text = resources.files("drafter").joinpath("data/stock_phrases.yaml").read_text("utf-8")
    themes = [rf"\d{{4}}年是{re.escape(t)}" for t in year_themes().values()]  # 2024年是实现“十四五”规划目标任务的关键一年
    return tuple(re.compile(_compact(p)[0]) for p in [*yaml.safe_load(text), *themes])


@cache
def year_themes() -> dict[int, str]:
    """Where each year stands in the national plans (drafter/data/years.yaml: 2021 → “十四五”开局之年)."""
    rows = yaml.safe_load(resources.files("drafter").joinpath("data/years.yaml").read_text("utf-8"))
    return {r["year"]: r["theme"] for r in rows}


class PastTexts:
    """Past summaries with their runs of n characters indexed (by hash), built once per length and shared
    by every check of a session, so a check costs the length of the text checked, not of the corpus."""

    def __init__(self, past: list[tuple[str, str]]):
        self.past = list(past)
        self._grams: dict[int, dict[int, int]] = {}

    def __bool__(self) -> bool:
        return bool(self.past)

    def grams(self, n: int) -> dict[int, int]:
        """hash of every n-character run (spaces removed) -> index of the first past text holding it."""
        if n not in self._grams:
            index: dict[int, int] = {}
            for k, (_, text) in enumerate(self.past):
                compact, _ = _compact(text)
                for i in range(len(compact) - n + 1):
                    index.setdefault(hash(compact[i:i + n]), k)
            self._grams[n] = index
        return self._grams[n]


def copied_findings(text: str, past: "PastTexts | list[tuple[str, str]]", min_chars: int,
                    table: FactsTable | None = None) -> list[Finding]:
    """Runs of at least `min_chars` characters shared with a past summary (spaces ignored), outside the
    writer's own notes and the stock formulae."""
    past = past if isinstance(past, PastTexts) else PastTexts(past)
    compact, positions = _compact(text)
    if len(compact) < min_chars:
        return []
    notes = {_compact(line)[0] for lines in (table.notes.values() if table else ()) for line in lines}
    # the notes first: a stock formula inside a note (认真贯彻党的二十大精神) must not break the note's match
    allowed = [re.compile(re.escape(line)) for line in notes] + list(stock_phrases())
    index = past.grams(min_chars)
    hits: dict[int, str] = {}
    for i in range(len(compact) - min_chars + 1):
        k = index.get(hash(compact[i:i + min_chars]))
        if k is not None:
            hits[i] = past.past[k][0]
    out = []
    for start, end, name in _runs(hits, min_chars):
        run = compact[start:end]
        bare = run.strip(",.;:!?、'\"()（）")  # a note's words with the comma after them are still the note's
        if any(bare in line for line in notes) or _mostly_allowed(_without_notes(run, notes), allowed, min_chars):
            continue
        a, b = positions[start], positions[end - 1] + 1
        out.append(Finding("copied_text", a, b, text[a:b], f"这段文字与往年材料《{name}》中的原文相同（{end - start}字）。",
                           "用今年的事实重新组织语言，不要照搬旧稿。"))
    return out


# past summaries are stored NFKC-folded (，→,) while drafts keep full-width punctuation: fold both the
# same way, one character for one, so a copied sentence is found across its commas
_FOLD = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"“": '"', "”": '"', "‘": "'", "’": "'"})


def _compact(text: str) -> tuple[str, list[int]]:
    keep = [(i, c) for i, c in enumerate(text.translate(_FOLD)) if not c.isspace()]
    return "".join(c for _, c in keep), [i for i, _ in keep]


def _runs(hits: dict[int, str], n: int) -> list[tuple[int, int, str]]:
    runs: list[tuple[int, int, str]] = []
    for start in sorted(hits):
        if runs and start <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], start + n), runs[-1][2])
        else:
            runs.append((start, start + n, hits[start]))
    return runs


def _without_notes(run: str, notes: set[str]) -> str:
    """The run less what it shares with a note (年，县科技局在县委、县政府领导下，认真贯彻党的二十大 of the note 在县委、
    县政府领导下，认真贯彻党的二十大和…: the bureau's name and the year are left)."""
    for line in notes:
        while (m := SequenceMatcher(None, run, line, autojunk=False).find_longest_match(0, len(run), 0, len(line))).size >= 12:
            run = run[:m.a] + run[m.a + m.size:]
    return run


def _mostly_allowed(run: str, allowed: list[re.Pattern], min_chars: int) -> bool:
    """What is left of a shared run once the stock formulae and the writer's notes are taken out is short."""
    for phrase in allowed:
        run = phrase.sub("", run)
    return len(re.sub(r"[,;:.。、]", "", run)) < min_chars


# ---- outline -----------------------------------------------------------------------------------

def outline_findings(text: str, planned: list[PlannedSection]) -> list[Finding]:
    """Every heading of the outline on a line of its own, in order, numbered as the outline numbers it."""
    lines = []
    for m in re.finditer(r"[^\n]+", text):
        line = _norm(re.sub(r"^#+", "", m.group(0)))
        lines.append((m.start(), m.group(0).strip(), line, MARKER.sub("", line, count=1)))
    out, last = [], -1
    for p in planned:
        if p.spec.level == 0:
            continue
        exact = next((i for i, line in enumerate(lines) if line[2] == _norm(p.heading)), None)
        if exact is not None:
            if exact < last:
                out.append(Finding("outline", lines[exact][0], lines[exact][0] + len(lines[exact][1]), p.heading,
                                   f"标题“{p.heading}”的位置与提纲顺序不一致。", "按提纲顺序调整各部分。"))
            last = max(last, exact)
            continue
        near = next((line for line in lines if line[3] == _norm(p.title) and line[3] != line[2]), None)
        if near:
            out.append(Finding("outline", near[0], near[0] + len(near[1]), near[1],
                               f"标题编号应为“{p.marker}”，实际为“{near[1][:len(near[1]) - len(p.title)].lstrip('# ')}”。",
                               f"改为“{p.heading}”。"))
        else:
            out.append(Finding("outline", 0, 0, p.heading, f"缺少提纲中的标题“{p.heading}”。",
                               "补写这一部分，或在提纲中关闭它。"))
    return out


def _norm(heading: str) -> str:
    return unicodedata.normalize("NFKC", re.sub(r"\s", "", heading)).rstrip(":。")
