"""Numbers moved in place when a fact changes, without a model call.

Each number of a section is bound to the facts-table cell it states (indicator and role: value, target,
prior, or a derived 增量 / 同比增长 / 提高 / 完成率). A number is bound only when that is certain: same value,
same unit (money converted), and, when several cells share the value, the indicator named nearest before
it in the sentence. When a fact changes, every bound number of it is rewritten; a number that could be
either of two cells, or a statement the writer rewrote, marks the section stale with the reason instead.
"""

import re
from dataclasses import dataclass

from drafter.models import NumberSpan
from drafter.numbers.checks import Source, matches, mentions, sources
from drafter.numbers.claims import ROLES, noun, patterns, read
from drafter.numbers.facts import MONEY, FactsTable, fmt, pending

Key = tuple[str, str]  # (indicator, role)
_SENTENCE_START = "。！？；;\n"
# how a derived change is worded, both ways: a fall turned into a rise flips the verb
_FLIPS = {"增量": {"增加": "减少", "减少": "增加", "新增": "减少"},
          "同比增长": {"增长": "下降", "下降": "增长", "增加": "减少", "减少": "增加"},
          "提高": {"提高": "下降", "下降": "提高", "上升": "下降", "降低": "提高"}}


@dataclass(frozen=True)
class Binding:
    start: int
    end: int
    text: str
    keys: frozenset[Key]  # one key: certain; several: the number could state any of them; none: unnamed
    candidates: frozenset[Key] = frozenset()  # every cell with this value and unit
    noted: bool = False  # the writer's notes hold this number too


@dataclass(frozen=True)
class Change:
    indicator: str
    role: str
    old: str
    new: str


@dataclass(frozen=True)
class Patched:
    text: str
    changes: tuple[Change, ...]
    stale: tuple[str, ...]  # reasons the section needs a redraft


def bind(text: str, table: FactsTable, allowed: list[Source] | None = None) -> list[Binding]:
    """Every number of the text with the value of a facts-table cell, and the cells it states (empty when
    the sentence names none of the candidates: then it is not bound, only noticed). Read as the checker reads
    it: the same equality rule, and a number the checker reads as another cell (its indicator or role named
    otherwise) is bound to none: the patcher moves only what the checker calls this fact's own cell."""
    allowed = sources(table) if allowed is None else allowed
    table_sources = [s for s in allowed if s.indicator]
    note_sources = [s for s in allowed if s.role == "note"]
    found = mentions(text)
    claims = {c.start: c for c in read(text, table, found)}
    out = []
    for m in found:
        fitting = {(s.indicator, s.key) for s in table_sources if matches(m, s)}
        if fitting:
            claim = claims.get(m.start)
            said = (claim.indicator, claim.role) if claim and claim.indicator else None
            if said in fitting:
                keys = {said}
            else:
                keys = _nearest(text, m.start, fitting)
                if said and said[0] in {k[0] for k in keys}:  # the checker reads another role of it: not its cell
                    keys = set()
            keys |= _also_named(text, m.start, fitting - keys, keys) if keys else set()
            noted = any(matches(m, s) for s in note_sources)
            out.append(Binding(m.start, m.end, text[m.start:m.end], frozenset(keys), frozenset(fitting), noted))
    return out


def spans(text: str, table: FactsTable) -> tuple[NumberSpan, ...]:
    """The certain bindings of a text, as recorded with each version."""
    return tuple(NumberSpan(b.start, b.end, b.text, *next(iter(b.keys))) for b in bind(text, table) if len(b.keys) == 1)


def _nearest(text: str, pos: int, keys: set[Key]) -> set[Key]:
    """The keys whose indicator is named nearest before the number in its sentence (or right after it)."""
    start = max(text.rfind(c, 0, pos) for c in _SENTENCE_START) + 1
    before, after = text[start:pos], text[pos:pos + 12]
    distance: dict[str, int] = {}
    for name in {k[0] for k in keys}:
        ends = [m.end() for p in patterns(name) for m in p.finditer(before)]
        if ends:
            distance[name] = len(before) - max(ends)
        elif any(p.search(after) for p in patterns(name)):
            distance[name] = 1000
    if not distance:
        return set()
    best = min(distance.values())
    named = {k for k in keys if distance.get(k[0]) == best}
    return _by_role(named, before)


def _also_named(text: str, pos: int, others: set[Key], chosen: set[Key]) -> set[Key]:
    """Other candidates about a different thing named in the same clause (新增高新技术企业和科技型中小企业
    各30家): the number may state either, so it is ambiguous, never guessed."""
    start = max(text.rfind(c, 0, pos) for c in "，,；;。！？\n") + 1
    clause = text[start:pos + 12]
    nouns = {noun(k[0]) for k in chosen}
    return {k for k in others if noun(k[0]) not in nouns and noun(k[0]) in clause}


def _by_role(keys: set[Key], before: str) -> set[Key]:
    """Same indicator, same value in two roles (value 100, target 100): the wording decides."""
    if len(keys) <= 1:
        return keys
    clause = re.split(r"[，,；;]", before)[-1]
    if re.search(r"目标|力争|计划|确保", clause):
        wanted = {k for k in keys if k[1] in ("target", "next_target")}
    elif re.search(r"上年|去年", clause):
        wanted = {k for k in keys if k[1] == "prior"}
    else:
        wanted = {k for k in keys if k[1] not in ("target", "next_target", "prior")}
    return wanted or keys


def cells(table: FactsTable) -> dict[Key, tuple[str, float, str]]:
    """Every cell of the table as (formatted text, signed value, unit)."""
    out: dict[Key, tuple[str, float, str]] = {}
    for f in table.facts:
        for key in ("value", "target", "next_target", "prior"):
            if (value := getattr(f, key)) is not None:
                out[(f.indicator, key)] = (f.text(key), value, f.unit)
        for d in f.derived:
            out[(f.indicator, d.name)] = (d.text, d.value, d.unit)
    return out


def changed(old: FactsTable, new: FactsTable) -> dict[Key, tuple[str, float, str] | None]:
    """Cells whose stated text differs between two tables (None: the cell is gone)."""
    a, b = cells(old), cells(new)
    return {k: b.get(k) for k in a.keys() | b.keys() if (a.get(k) or ("",))[0] != (b.get(k) or ("",))[0]}


class Patcher:
    """Moves texts from one facts table to the next; the tables' differences are worked out once."""

    def __init__(self, old: FactsTable, new: FactsTable):
        self.old, self.new = old, new
        self.diff = changed(old, new)
        self._sources = sources(old)
        self._cells = cells(old)

    def apply(self, text: str, stated: set[Key] = frozenset()) -> Patched:
        """Rewrite the numbers of `text` that state changed cells. `stated`: cells an earlier machine-written
        version of the section stated, so that a statement the writer rewrote is noticed, not missed."""
        if not self.diff:
            return Patched(text, (), ())
        text, changes = self._fill(text)
        bindings = bind(text, self.old, self._sources)
        edits, stale = [], []
        for b in bindings:
            hit = b.keys & self.diff.keys()
            if not b.keys and b.candidates & self.diff.keys() and not b.noted:
                names = "、".join(sorted({i for i, _ in b.candidates & self.diff.keys()}))
                stale.append(f"“{b.text}”与{names}的原数值相同，但句中没有点明指标，请核对是否要改。")
            if not hit:
                continue
            if len(b.keys) > 1:
                names = "、".join(sorted(f"{i}（{ROLES.get(r, r)}）" for i, r in b.keys))
                stale.append(f"“{b.text}”可能是{names}中的任一个，无法确定是否要改。")
                continue
            key = next(iter(hit))
            replacement, reason = _replacement(text, b, key, self.old, self.diff[key], self._cells[key][1])
            if reason:
                stale.append(reason)
            else:
                edits.append(replacement)
                changes.append(Change(key[0], key[1], b.text, replacement[2] + text[replacement[1]:b.end]))
        bound = {k for b in bindings for k in b.keys}
        for key in sorted((stated & self.diff.keys()) - bound):
            stale.append(f"原稿中{key[0]}（{ROLES.get(key[1], key[1])}）的表述已被改写，找不到可以就地更新的数字。")
        for start, end, value in sorted(edits, reverse=True):
            text = text[:start] + value + text[end:]
        return Patched(text, tuple(changes), tuple(stale))


    def _fill(self, text: str) -> tuple[str, list[Change]]:
        """A value that arrives for a row left empty replaces the row's 【待核实：…】 marker."""
        changes = []
        for (indicator, role), cell in self.diff.items():
            fact = self.old.find(indicator)
            if role != "value" or cell is None or fact is None or fact.value is not None:
                continue
            marker, stated = pending(fact, self.old), cell[0] + cell[2]
            if marker in text:  # a unit the model wrote after the marker (…（亿元）】亿元) is the value's own
                text = re.sub(re.escape(marker) + (f"(?:{re.escape(fact.unit)})?" if fact.unit else ""), stated, text)
                changes.append(Change(indicator, role, marker, stated))
        return text, changes


def patch(text: str, old: FactsTable, new: FactsTable, stated: set[Key] = frozenset()) -> Patched:
    """One text moved from the old facts table to the new one (see Patcher.apply)."""
    return Patcher(old, new).apply(text, stated)




def _replacement(text: str, b: Binding, key: Key, old: FactsTable, cell, old_value: float
                 ) -> tuple[tuple[int, int, str], str | None]:
    """(start, end, new text) for one bound number, or the reason it cannot be rewritten safely."""
    indicator, role = key
    if cell is None:
        fact = old.find(indicator)
        if role == "value" and fact is not None:
            return (b.start, b.end, pending(fact, old)), None
        return (0, 0, ""), f"{indicator}（{ROLES.get(role, role)}）已无法计算，“{b.text}”需要改写。"
    new_text, value, unit = cell
    if re.search(r"[余多]", b.text) or re.search(r"(?:近|约|超过|逾|接近|将近|不到|不足)$", text[max(0, b.start - 2):b.start]):
        return (0, 0, ""), f"“{b.text}”是约数的写法，{indicator}改为{new_text}{unit}后需要人工确认怎么写。"
    number = re.match(r"[\d,.]+", b.text)
    if number is None:  # a Chinese numeral (十二家): rewrite it as digits
        number_len = len(re.match(r"[零〇一二两三四五六七八九十百千]+", b.text).group(0))
    else:
        number_len = len(number.group(0))
    mention_unit = b.text[number_len:].lstrip("余多")
    if mention_unit in MONEY and unit in MONEY and mention_unit != unit:
        decimals = len(number.group(0).split(".")[1]) if number and "." in number.group(0) else None
        new_text = fmt(value * MONEY[unit] / MONEY[mention_unit], mention_unit, decimals)
    if role in _FLIPS and (value <= 0) != (old_value <= 0):
        verb = _verb_before(text, b.start, _FLIPS[role])
        if verb is None or value == 0:
            return (0, 0, ""), f"{indicator}的变化方向变了（原为“{b.text}”），这一句需要改写。"
        flipped = _FLIPS[role][verb[1]]
        return (verb[0], b.start + number_len, flipped + text[verb[0] + len(verb[1]):b.start] + new_text), None
    return (b.start, b.start + number_len, new_text), None


def _verb_before(text: str, pos: int, verbs: dict[str, str]) -> tuple[int, str] | None:
    """增加 / 减少 / 增长 / 下降 … right before a number (比上年增加13家, 同比增长15.3%)."""
    window = text[max(0, pos - 4):pos]
    for verb in verbs:
        at = window.rfind(verb)
        if at >= 0:
            return max(0, pos - 4) + at, verb
    return None
