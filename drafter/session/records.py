"""What the session API hands to the faces: typed records of a draft (its outline, sections, open items, the
result of a facts change or a run), and the two pure helpers behind them (a 3-way merge of facts rows, 成文日期)."""

import re
from dataclasses import dataclass, field
from datetime import date

from drafter.errors import DrafterError
from drafter.models import SectionResult, Version
from drafter.numbers import patch
from drafter.stores.workspace import ConflictError


class SessionError(DrafterError):
    """A request about a draft that cannot be done as asked."""


@dataclass(frozen=True)
class OutlineItem:
    id: str
    heading: str
    level: int
    kind: str  # body | synthesis | heading
    enabled: bool
    optional: bool


@dataclass(frozen=True)
class SectionState:
    id: str
    heading: str
    level: int
    kind: str
    version: Version | None
    stale: str | None  # why the section needs a redraft


@dataclass(frozen=True)
class OpenItem:
    """One thing still open in a draft: where, what kind (a finding kind, stale, hint, unwritten) and what."""

    section: str
    heading: str
    kind: str
    label: str
    text: str


def chinese_date(value: str) -> str:
    """2025-01-10, 2025/1/10 or 2025年01月10日 as GB/T 9704 writes a date: 2025年1月10日 (no leading zeros)."""
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", value)
    if not m:
        raise SessionError(f"成文日期“{value}”看不懂，请写成 2025年1月10日 或 2025-01-10。")
    year, month, day = map(int, m.groups())
    try:
        date(year, month, day)
    except ValueError as e:
        raise SessionError(f"成文日期“{value}”不是有效的日期。") from e
    return f"{year}年{month}月{day}日"


@dataclass
class FactsUpdate:
    """What a change of facts did: sections patched in place, sections marked stale, and why."""

    rev: int
    patched: dict[str, list[patch.Change]] = field(default_factory=dict)  # section id -> changes
    stale: dict[str, list[str]] = field(default_factory=dict)  # section id -> reasons
    report: tuple[str, ...] = ()  # the facts table's own remarks (aliases, missing values)

    def summary(self) -> str:
        if not self.patched and not self.stale:
            return "数据已保存，正文中没有需要更新的数字。"
        return (f"{len(self.patched)} 个部分已就地更新，{len(self.stale)} 个部分需要重新生成。")


@dataclass
class GenerateReport:
    results: dict[str, SectionResult] = field(default_factory=dict)
    saved: dict[str, Version] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[SectionResult]:
        return [r for r in self.results.values() if not r.ok]

    def usage_line(self) -> str:
        """模型调用 14 次（修改 3 轮），提示约 21,400 tokens，回答约 5,100 tokens — or "" without a model."""
        used = [r.usage for r in self.results.values() if r.usage.calls]
        if not used:
            return ""
        about = "约" if any(u.estimated for u in used) else ""
        return (f"模型调用 {sum(u.calls for u in used)} 次（修改 {sum(u.repairs for u in used)} 轮），"
                f"提示{about} {sum(u.prompt_tokens for u in used):,} tokens，回答{about} {sum(u.answer_tokens for u in used):,} tokens。")


def merge_rows(base: list[dict], mine: list[dict], theirs: list[dict], rev: int) -> list[dict]:
    """The writer's changes from `base` laid over `theirs` (saved by someone else since, as revision `rev`);
    a cell both changed to different values is a ConflictError naming it."""
    def cells(rows):
        return {r["indicator"]: {k: v for k, v in r.items() if k != "indicator"} for r in rows}

    def taken(name: str) -> ConflictError:
        return ConflictError(f"“{name}”已被他人改为第{rev}版的数据，与你的修改不同。表格已刷新，请核对后重新填写。")

    b, m, t = cells(base), cells(mine), cells(theirs)
    out = {name: dict(row) for name, row in t.items()}
    for name in m.keys() - b.keys():  # rows the writer added
        if name in t and t[name] != m[name]:
            raise taken(name)
        out[name] = dict(m[name])
    for name in b:
        if name not in m:  # removed by the writer
            if t.get(name) == b[name]:
                out.pop(name, None)
            continue
        for key in m[name].keys() | b[name].keys():
            mine_v, base_v, theirs_v = m[name].get(key), b[name].get(key), t.get(name, {}).get(key)
            if mine_v == base_v or theirs_v == mine_v:
                continue
            if theirs_v != base_v:
                raise taken(name)
            out.setdefault(name, {})[key] = mine_v
    order = [r["indicator"] for r in theirs] + [r["indicator"] for r in mine if r["indicator"] not in t]
    return [{"indicator": name, **out[name]} for name in order if name in out]
