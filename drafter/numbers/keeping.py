"""What a rewrite keeps: the facts-table cells and the writer's notes a section states before and after a refine
(or any new text of a section). A fact added or dropped that the instruction did not ask for, and a note that was
used before and is gone after, are findings: nothing changes in the facts of a section without the writer seeing it."""

import re
from dataclasses import dataclass

from drafter.models import Finding
from drafter.numbers.checks import Mention, Source, bigrams, matches, mentions, sources
from drafter.numbers.claims import ROLES
from drafter.numbers.facts import MONEY, FactsTable

KINDS = ("fact_added", "fact_dropped", "note_dropped")
_ADD = re.compile(r"补充(?:数据|数字|指标)|(?:加上|加入|加进|增加|补充|补上|补进|写入|写上|写进|添加).{0,8}"
                  r"(?:数据|数字|指标|目标|同比|完成率|上年)|(?:数据|数字|指标).{0,8}(?:补充|补|加|写)[进上入]")
_DROP = re.compile(r"缩写|压缩|精简|缩短|(?:删去|删除|删掉|去掉).{0,8}(?:数据|数字|指标|段|句|部分|这|第|[一二三四五六七八九十]是)")


@dataclass(frozen=True)
class Allowed:
    """What the writer's instruction allows a rewrite to change in the facts."""

    add: bool = False
    drop: bool = False


def allowed(instruction: str) -> Allowed:
    """补充数据 may add facts from the table; 缩写 (or 删去…) may drop some, each reported."""
    return Allowed(add=bool(_ADD.search(instruction)), drop=bool(_DROP.search(instruction)))


def kept(before: str, after: str, table: FactsTable, notes: tuple[str, ...] = (), may: Allowed = Allowed()
         ) -> list[Finding]:
    """Findings on `after` for every figure of the facts table it adds or drops against `before`, and every note it
    loses. An added figure is reported only when the instruction did not ask for one; a dropped one always is."""
    table_sources = [s for s in sources(table) if s.indicator]
    old, new = _figures(before, table_sources), _figures(after, table_sources)
    out = []
    added = {key: found for key, found in new.items() if key not in old}
    if added and not may.add:
        first = min((m for m, _ in added.values()), key=lambda m: m.start)
        out.append(Finding("fact_added", first.start, first.end, first.text,
                           f"改写时加进了原文没有的事实：{_names(added)}。", "写作者没有要求补充数据：请删去，或用“补充数据”。"))
    dropped = {key: found for key, found in old.items() if key not in new}
    if dropped:
        out.append(Finding("fact_dropped", 0, 0, "", f"改写时删去了原文的事实：{_names(dropped)}。",
                           "缩写时可以删去；否则请把它写回。" if may.drop else "请把它写回，或确认确实不要。"))
    lost = [note for note in notes if uses(before, note) and not uses(after, note)]
    if lost:
        out.append(Finding("note_dropped", 0, 0, "", f"改写时丢了笔记：{'；'.join(n[:24] for n in lost)}。",
                           "若是你要删去的，可不理会；否则请写回正文。" if may.drop else "请把这条笔记写回正文。"))
    return out


def unused_notes(text: str, notes: tuple[str, ...]) -> list[Finding]:
    """Notes of a section its text does not use: reported, never dropped unsaid."""
    missing = [note for note in notes if not uses(text, note)]
    if not missing:
        return []
    return [Finding("note_dropped", 0, 0, "", f"笔记没有写进正文：{'；'.join(n[:24] for n in missing)}。",
                    "请补写，或在笔记中删去不用的那条。")]


def uses(text: str, note: str) -> bool:
    """A text uses a note when it states the note's figures and most of its wording (two-character runs)."""
    numbers = re.findall(r"\d+(?:\.\d+)?", note)
    if numbers and not all(n in text for n in numbers):
        return False
    pairs = bigrams(note)
    return not pairs or len(pairs & bigrams(text)) >= 0.5 * len(pairs)


def _figures(text: str, table_sources: list[Source]) -> dict[tuple, tuple[Mention, list[Source]]]:
    """The text's figures that are values of the facts table (by value, money in one unit), each with the first
    mention and the cells it could be: a rewrite may move or reword a figure, not add or lose one."""
    found: dict[float, tuple[Mention, list[Source]]] = {}
    for m in mentions(text):
        cells = [s for s in table_sources if matches(m, s)]
        if cells:
            found.setdefault((_base(m.value, m.unit), _kind(m.unit or cells[0].unit)), (m, cells))
    return found


def _kind(unit: str) -> str:
    """105件 and 105.0% are two figures; 5.3亿元 and 53000万元 one; 115名 and 115人 one."""
    return "元" if unit in MONEY else "人" if unit in ("名", "位") else unit


def _base(value: float, unit: str | None) -> float:
    return round(value * MONEY.get(unit or "", 1), 6)


def _names(found: dict) -> str:
    names = []
    for _, cells in found.values():
        said = "或".join(dict.fromkeys(f"{s.indicator}（{ROLES.get(s.key, s.key)}）" for s in cells))
        names.append(said)
    return "、".join(dict.fromkeys(names))

