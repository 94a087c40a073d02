"""The facts table of a draft: this year's values from the writer, last year's from the fact ledger,
and the values code derives from them (净增, 同比增长, 完成率). The model never computes a number:
every figure a draft may state is a cell of this table or a number in the writer's notes.
"""

import csv
import io
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

from drafter import yamltext
from drafter.errors import DrafterError
from drafter.numbers.figures import FILLER, Indicator, canonical, row_name
from drafter.numbers.figures import indicator as catalog_entry
from drafter.outline_spec import PlannedSection
from drafter.stores.ledger import Ledger

MONEY = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
EQUIVALENT = [{"场", "场次"}, {"批", "批次"}, {"人", "名", "位"}, {"家", "个", "所"}, {"项", "个", "件"}, {"项", "份"}, {"次", "场次", "架次"}]
CHANGE_WORDS = re.compile(r"新增|净增|增长|增加|减少|下降|提高|率|比重|排名|受众|其中|占")
COLUMNS = ("indicator", "value", "unit", "target", "next_target", "prior", "section", "sum_of")


class FactsError(DrafterError):
    """A facts or notes file cannot be read."""


@dataclass(frozen=True)
class Derived:
    """A value computed by code from the table: name is 增量, 同比增长, 提高 or 完成率."""

    name: str
    value: float  # signed: a fall is negative
    unit: str
    text: str  # formatted by the 公文 rounding rules, without sign


@dataclass(frozen=True)
class Fact:
    """One row of the facts table."""

    indicator: str
    unit: str
    section: str | None  # id of the outline section that states it
    value: float | None = None
    target: float | None = None
    next_target: float | None = None
    prior: float | None = None
    prior_source: str | None = None  # "file name：sentence" from the ledger, or "填写" when the writer typed it
    prior_rough: str | None = None  # 超过, 近, 余: last year's summary gave no exact value (超过5000万元): no 增量 or 同比
    target_source: str | None = None  # "file name：sentence" of last year's 工作打算 when the target comes from it
    plan_target: float | None = None  # last year's 工作打算's target when the writer gives another (300 against 330)
    listed: bool = False  # the writer's facts file names this row (stated even while its value is missing)
    derived: tuple[Derived, ...] = ()

    def text(self, which: str = "value") -> str:
        """A cell formatted for the draft: 5.30 (亿元), 98 (家), 52.1 (%); targets as round as they were set (6亿元)."""
        value = getattr(self, which)
        return fmt(value, self.unit, _decimals(value) if which in ("target", "next_target") and value is not None else None)

    def prior_said(self) -> str:
        """Last year's value as last year's summary had it, with its unit: 85家, 超过5000万元, 10万余株."""
        return rough(self.text("prior"), self.prior_rough or "", self.unit)

    def get(self, name: str) -> Derived | None:
        return next((d for d in self.derived if d.name == name), None)


def rough(number: str, qualifier: str, unit: str) -> str:
    """A figure with its qualifier as a summary writes it: 超过5000万元, 10万余株 (余 after the 万), 400余场."""
    if qualifier not in ("余", "多"):
        return f"{qualifier}{number}{unit}"
    magnitude = unit[:1] if unit[:1] in "万亿" and len(unit) > 1 else ""
    return f"{number}{magnitude}{qualifier}{unit[len(magnitude):]}"


@dataclass(frozen=True)
class FactsInput:
    """What the writer supplied: values and notes, before the ledger and derivations are added."""

    org: str | None = None
    year: int | None = None
    period: str | None = None
    rows: tuple[dict, ...] = ()
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: str | None = None


@dataclass(frozen=True)
class FactsTable:
    org: str
    year: int
    period: str  # annual | H1
    facts: tuple[Fact, ...]
    notes: dict[str, tuple[str, ...]]  # section id -> the writer's note lines
    report: tuple[str, ...] = ()  # what is missing or was adjusted, for the writer

    def for_section(self, section_id: str) -> list[Fact]:
        return [f for f in self.facts if f.section == section_id]

    def stated(self, section_id: str) -> list[Fact]:
        """Rows a section states: those with a value, and those the writer listed but left empty."""
        return [f for f in self.for_section(section_id) if f.value is not None or f.listed]

    def find(self, indicator: str) -> Fact | None:
        return next((f for f in self.facts if f.indicator == indicator), None)


def fmt(value: float | None, unit: str, decimals: int | None = None) -> str:
    """公文 rounding: half up; 亿元 two decimals, % one, counts whole; otherwise as few as needed (≤ 2)."""
    if value is None:
        return ""
    if decimals is None:
        decimals = 2 if unit == "亿元" else _decimals(value)
    q = Decimal(str(abs(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{q:f}"


def _decimals(value: float) -> int:
    for d in range(3):
        if abs(round(value, d) - value) < 1e-9:
            return d
    return 2


def derive(value: float | None, prior: float | None, target: float | None, unit: str) -> tuple[Derived, ...]:
    """净增/增量, 同比增长 (one decimal), 提高 (个百分点) and 完成率 (one decimal), when their inputs exist."""
    out: list[Derived] = []
    if value is None:
        return ()
    if prior is not None:
        diff = value - prior
        if unit == "%":
            d = max(_decimals(value), _decimals(prior))
            out.append(Derived("提高", round(diff, d), "个百分点", fmt(diff, "", d)))
        else:
            d = 2 if unit == "亿元" else max(_decimals(value), _decimals(prior))
            out.append(Derived("增量", round(diff, d), unit, fmt(diff, unit, d)))
            if prior:
                growth = (value - prior) / prior * 100
                out.append(Derived("同比增长", round(growth, 1), "%", fmt(growth, "%", 1)))
    if target and unit != "%":
        rate = value / target * 100
        out.append(Derived("完成率", round(rate, 1), "%", fmt(rate, "%", 1)))
    return tuple(out)


# ---- how a draft names the bureau, the period and a missing value -----------------------------------

_PLACE = re.compile(r"^(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|州|盟))?[\u4e00-\u9fff]{1,8}?(县|市|区|旗)")


def area(org: str) -> str:
    """全县 / 全市 / 全区 from the bureau's name: the place it serves (长治市上党区统计局 → 全区, 深圳市城市管理和综合执法局
    → 全市)."""
    if below := re.search(r"(街道|镇|乡)(?:人民政府|办事处|党委|党工委)", org):  # 昌硕街道办事处 → 全街道: the county is another's
        return f"全{below.group(1)}"
    m = re.search(r"(县|市|区|旗)(?:科学技术|科技)", org) or _PLACE.match(org)
    return f"全{m.group(1)}" if m else "全县"


def period_label(table: FactsTable) -> str:
    return f"{table.year}年" + ("上半年" if table.period == "H1" else "")


def pending(fact: Fact, table: FactsTable) -> str:
    """The marker a draft writes where a value the writer listed is still missing."""
    return f"【待核实：{period_label(table)}{fact.indicator}（{fact.unit}）】" if fact.unit else \
        f"【待核实：{period_label(table)}{fact.indicator}】"


# ---- reading what the writer supplied -------------------------------------------------------------

MAX_FILE_BYTES = 2_000_000  # a facts or notes file: a year's figures and notes fit in a few dozen KB
MAX_ROWS = 500  # indicators in one facts table (a bureau reports a few dozen)
MAX_NOTE_CHARS = 4000  # a section's notes; its whole prompt budget is 6,000 characters by default


def _bounded(path: Path, what: str) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise FactsError(f"找不到{what} {path}。请检查路径。") from e
    except OSError as e:
        raise FactsError(f"无法读取{what} {path}（{e}）。") from e
    if size > MAX_FILE_BYTES:
        raise FactsError(f"{what} {path.name} 有 {size / 1e6:.1f} MB，超过上限 {MAX_FILE_BYTES / 1e6:.0f} MB。"
                         f"请只保留本年的指标和笔记后重试。")


def read_facts(path: Path) -> FactsInput:
    """A facts file: YAML (org, year, period, facts: [...], notes: {...}), CSV or XLSX with a header row."""
    suffix = path.suffix.lower()
    _bounded(path, "数据文件")
    if suffix == ".xlsx":
        return FactsInput(rows=validate_rows(_xlsx_rows(path), path.name), source=str(path))
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError as e:
        raise FactsError(f"找不到数据文件 {path}。请检查路径。") from e
    except (OSError, UnicodeDecodeError) as e:
        raise FactsError(f"无法读取数据文件 {path}（{e}）。请另存为 UTF-8 编码的 .yaml 或 .csv，或 .xlsx。") from e
    if suffix == ".csv":
        return FactsInput(rows=validate_rows(_csv_rows(text, path), path.name, first_line=2), source=str(path))
    try:
        data = yamltext.load(text) or {}
    except yaml.YAMLError as e:
        raise FactsError(f"{path}{yamltext.problem(e)}：不是有效的 YAML。") from e
    if not isinstance(data, dict):
        raise FactsError(f"{path}：应包含 org、year、period、facts、notes 等键。")
    rows = data.get("facts") or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FactsError(f"{path}：facts 应是一组行，如 {{indicator: 高新技术企业总数, value: 98, unit: 家}}。")
    return FactsInput(
        org=data.get("org"), year=_int(data.get("year"), path, "year"), period=normalise_period(data.get("period")),
        rows=validate_rows(rows, path.name), notes=_notes_mapping(data.get("notes") or {}, path), source=str(path),
    )


def _csv_rows(text: str, path: Path) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "indicator" not in reader.fieldnames and "指标" not in reader.fieldnames:
        raise FactsError(f"{path}：第一行应是列名，例如 {','.join(COLUMNS[:5])}（或 指标,本年值,单位,目标,下年目标）。")
    return [{k: v for k, v in r.items() if k is not None} for r in reader]


def _xlsx_rows(path: Path) -> list[dict]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from drafter.archives import check_zip
    from drafter.errors import CorpusError

    try:
        check_zip(path.read_bytes(), ".xlsx")
    except (CorpusError, OSError) as e:
        raise FactsError(f"{path.name}：{e}") from e
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as e:
        raise FactsError(f"找不到数据文件 {path}。请检查路径。") from e
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise FactsError(f"{path.name} 不是可读的 Excel 文件（{type(e).__name__}）。请在 Excel 中另存为 .xlsx 后重试。") from e
    try:
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise FactsError(f"{path.name} 的第一个工作表是空的。第一行写列名（指标、本年值、单位…），每行一个指标。")
    header = [str(c or "").strip() for c in rows[0]]
    return [{h: c for h, c in zip(header, r) if h} for r in rows[1:]]


# Chinese column names a writer may use in a grid, CSV or Excel file
HEADERS = {"指标": "indicator", "本年值": "value", "数值": "value", "单位": "unit", "目标": "target", "本年目标": "target",
           "下年目标": "next_target", "上年值": "prior", "章节": "section", "合计": "sum_of", "由以下合计": "sum_of"}


def validate_rows(raw_rows, where: str, first_line: int = 1) -> tuple[dict, ...]:
    """Facts rows from any source (file, grid), checked the same way; errors name the place and the row."""
    rows, seen = [], set()
    for i, raw in enumerate(raw_rows):
        if i >= MAX_ROWS:
            raise FactsError(f"{where}：超过 {MAX_ROWS} 行。数据表只写本单位要报告的指标，请删去多余的行后重试。")
        row = _row({HEADERS.get(str(k).strip(), str(k).strip()): v for k, v in raw.items()}, where, i + first_line)
        if row is None:
            continue
        if row["indicator"] in seen:
            raise FactsError(f"{where} 第{i + first_line}行：指标“{row['indicator']}”重复出现。每个指标只写一行。")
        seen.add(row["indicator"])
        rows.append(row)
    return tuple(rows)


def _row(raw: dict, where: str, line: int) -> dict | None:
    unknown = {k for k in raw if k not in COLUMNS and raw[k] not in (None, "")}
    if unknown:
        raise FactsError(f"{where} 第{line}行：不认识的列 {'、'.join(sorted(map(str, unknown)))}"
                         f"（可用的列：{', '.join(COLUMNS)}）。")
    indicator = str(raw.get("indicator") or "").strip()
    values = {key: _number(raw.get(key), where, line, key) for key in ("value", "target", "next_target", "prior")}
    if not indicator:
        if any(v is not None for v in values.values()):
            raise FactsError(f"{where} 第{line}行：有数值但没有写指标名称。")
        return None  # an empty grid line
    parts = raw.get("sum_of") or ()
    parts = [p.strip() for p in re.split(r"[、,，;；+＋]", parts)] if isinstance(parts, str) else [str(p) for p in parts]
    return {"indicator": indicator, "unit": str(raw.get("unit") or "").strip(), "section": raw.get("section") or None,
            **values, "sum_of": [p for p in parts if p]}


def _number(value, where: str, line: int, key: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    label = _LABELS[key]
    if isinstance(value, bool):
        raise FactsError(f"{where} 第{line}行：{label}应是数字，不是 {value}。")
    try:
        number = float(str(value).replace(",", "").replace("，", "").strip())
    except ValueError as e:
        raise FactsError(f"{where} 第{line}行：{label}“{value}”不是数字。请只写数字，如 5.3（单位写在“单位”列）；"
                         "还不知道的留空。") from e
    if not math.isfinite(number) or abs(number) >= 1e13:
        raise FactsError(f"{where} 第{line}行：{label}“{value}”不是合理的数值。请检查后重填。")
    return number


_LABELS = {"value": "本年值", "target": "目标", "next_target": "下年目标", "prior": "上年值"}


def _int(value, path: Path, key: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as e:
        raise FactsError(f"{path}：{key} 应是年份，如 2024，而不是 {value!r}。") from e


def normalise_period(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("annual", "year", "全年", "年度"):
        return "annual"
    if text in ("h1", "上半年", "half"):
        return "H1"
    raise FactsError(f"期间应为 annual（全年）或 h1（上半年），而不是 {value!r}。")


def _notes_mapping(data, path: Path) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise FactsError(f"{path}：notes 应是“章节名: [每行一条]”的形式。")
    out = {}
    for key, lines in data.items():
        lines = [lines] if isinstance(lines, str) else lines or []
        out[str(key)] = tuple(str(line).strip() for line in lines if str(line).strip())
    return bounded_notes(out, path.name)


def bounded_notes(notes: dict[str, tuple[str, ...]], where: str) -> dict[str, tuple[str, ...]]:
    """Notes within what a prompt can carry: a section's notes over MAX_NOTE_CHARS are refused by name."""
    for key, lines in notes.items():
        if (size := sum(map(len, lines))) > MAX_NOTE_CHARS:
            raise FactsError(f"{where}：“{key}”的笔记有 {size} 字，超过每部分 {MAX_NOTE_CHARS} 字的上限。"
                             f"请只写要点（每行一条），或分到相应的章节。")
    return notes


def read_notes(path: Path) -> dict[str, tuple[str, ...]]:
    """Notes per section: YAML {section: [lines]}, or text/Markdown with `# section` headings and one note per line."""
    _bounded(path, "笔记文件")
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise FactsError(f"无法读取笔记文件 {path}（{e}）。请另存为 UTF-8 文本。") from e
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            return _notes_mapping(yamltext.load(text) or {}, path)
        except yaml.YAMLError as e:
            raise FactsError(f"{path}{yamltext.problem(e)}：不是有效的 YAML。") from e
    notes: dict[str, list[str]] = {}
    key = "总述"
    for line in text.splitlines():
        line = line.strip()
        if m := re.match(r"#+\s*(.+)", line):
            key = m.group(1).strip()
        elif line := re.sub(r"^(?:[-*•·]|\d+[.、)]|[一二三四五六七八九十]+是)\s*", "", line):
            notes.setdefault(key, []).append(line)
    return bounded_notes({k: tuple(v) for k, v in notes.items()}, path.name)


# ---- building the table ------------------------------------------------------------------------

def build_table(sections: list[PlannedSection], given: FactsInput, *, org: str, year: int, period: str,
                ledger: Ledger | None, extra_notes: dict[str, tuple[str, ...]] | None = None) -> FactsTable:
    """One row per indicator the outline or the writer names, with prior-year values and derived values."""
    report: list[str] = []
    rows = _merge_rows(sections, given, report)
    _sum_totals(rows, report)
    prior = _ledger_priors(ledger, org, year, period, list(rows)) if ledger else {}
    planned = _ledger_targets(ledger, org, year, period, list(rows)) if ledger else {}
    facts = []
    for name, row in rows.items():
        known = catalog_entry(name)
        unit = row["unit"] or (known.unit if known else "") or (prior[name][1] if name in prior else "")
        if unit in ("万", "亿") and name in prior and prior[name][1].startswith(unit):
            unit = prior[name][1]  # a row kept in 万 of what last year's summary counted in 万株
        fact = Fact(name, unit, row["section"], row.get("value"), row.get("target"), row.get("next_target"),
                    listed=row.get("listed", False))
        if row.get("prior") is not None:
            fact = replace(fact, prior=row["prior"], prior_source="填写")
        elif name in prior:
            value, source, note = _convert(prior[name], unit)
            fact = replace(fact, prior=value, prior_source=source, prior_rough=prior[name][4])
            if note and (fact.listed or fact.value is not None):
                report.append(f"{name}：{note}")
        if name in planned:  # last year's plan set it; a target the writer gives wins, told when it differs
            value, source, _ = _convert(planned[name], unit)
            if fact.target is None:
                fact = replace(fact, target=value, target_source=source)
            elif value is not None and abs(value - fact.target) > 1e-9:
                fact = replace(fact, plan_target=value)
                report.append(f"{name}：数据表中的目标{fmt(fact.target, unit, _decimals(fact.target))}{unit}与去年工作打算"
                              f"（{source}）不同，稿中的完成情况按数据表计算；如目标年中没有调整，请核实。")
        fact = replace(fact, derived=derive(fact.value, None if fact.prior_rough else fact.prior, fact.target, unit))
        if fact.listed and fact.value is None:
            report.append(f"{name}：未填写{year}年数值，稿中标为【待核实】。")
        facts.append(fact)
    notes = _assign_notes({**given.notes, **(extra_notes or {})}, sections, report)
    report += [f"{reason}。请核对这两行数据。" for reason in conflicts(facts).values()]
    return FactsTable(org, year, period, tuple(facts), notes, tuple(report))


def conflicts(facts) -> dict[str, str]:
    """Rows that contradict each other: a 净增 row that is not its total's change on last year (净增高新技术企业 49家
    while 高新技术企业总数 moved from 269 to 335). Indicator → why."""
    totals = {_base_name(f.indicator): f for f in facts if not re.match(r"新增|净增", f.indicator)}
    out = {}
    for f in facts:
        total = totals.get(_base_name(f.indicator)) if f.indicator.startswith("净增") else None
        if f.value is None or total is None or total.value is None or total.prior is None or total.unit != f.unit:
            continue
        change = round(total.value - total.prior, 6)
        if abs(change - f.value) > 1e-6:
            out[f.indicator] = (f"{f.indicator}{f.text()}{f.unit}与{total.indicator}的变化不一致（{total.text()}−"
                                f"{total.text('prior')}={'-' if change < 0 else ''}{fmt(change, f.unit)}{f.unit}）")
    return out


def _base_name(name: str) -> str:
    return re.sub(r"(?:总数|总量|入库数|数量|数)$", "", re.sub(r"^(?:新增|净增)", "", name))


def _merge_rows(sections: list[PlannedSection], given: FactsInput, report: list[str]) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for s in sections:
        for name in s.spec.indicators:
            rows.setdefault(name, {"unit": "", "section": s.spec.id})
    ids = {s.spec.id for s in sections}
    for row in given.rows:
        name = row["indicator"]
        if name not in rows and not catalog_entry(name) and (known := canonical(name)):
            report.append(f"“{name}”按指标目录读作“{known.name}”。")
            name = known.name
        section = row["section"] if row["section"] in ids else rows.get(name, {}).get("section") or _section_for(name, sections)
        if row["section"] and row["section"] not in ids:
            report.append(f"{name}：没有 id 为 {row['section']} 的章节，改放在“{_title(section, sections)}”。")
        rows[name] = {**rows.get(name, {}), **{k: v for k, v in row.items() if k != "indicator"},
                      "section": section, "listed": True}
    return rows


def _sum_totals(rows: dict[str, dict], report: list[str]) -> None:
    """A row with `sum_of` is computed by code from its components whenever they all have a value."""
    for name, row in rows.items():
        parts = row.get("sum_of") or []
        values = [rows.get(p, {}).get("value") for p in parts]
        if not parts or any(v is None for v in values):
            if parts:
                missing = [p for p, v in zip(parts, values) if v is None]
                report.append(f"{name}：分项 {'、'.join(missing)} 没有数值，合计无法计算。")
            continue
        total = round(sum(values), 6)
        if row.get("value") is not None and abs(row["value"] - total) > 1e-9:
            report.append(f"{name}：填写的 {row['value']:g} 与分项合计 {total:g} 不符，采用分项合计。")
        row["value"] = total


def _section_for(name: str, sections: list[PlannedSection]) -> str | None:
    """The body section of an indicator outside the outline: by its catalog topic, else the indicators section, else
    the longest."""
    known = catalog_entry(name)
    body = [s for s in sections if s.spec.kind == "body"]
    if known:
        for s in body:
            if known.topic in (s.title, s.spec.topic) or s.title in known.topic:
                return s.spec.id
    # the overview of the indicators; else the bureau's broadest section (its longest), not the first one
    main = next((s for s in body if s.spec.id == "indicators"), max(body, key=lambda s: s.spec.length, default=None))
    return main.spec.id if main else None


def _title(section_id: str | None, sections: list[PlannedSection]) -> str:
    return next((s.title for s in sections if s.spec.id == section_id), "—")


def _ledger_priors(ledger: Ledger, org: str, year: int, period: str, names: list[str]
                   ) -> dict[str, tuple[float, str, str, str]]:
    """Last year's local actual values of the same period kind: indicator -> (value, unit, source, note)."""
    label = str(year - 1) if period == "annual" else f"H1 {year - 1}"
    figures = [f for f in ledger.figures(org=org, year=year - 1)
               if f["org"] == org and f["doc_period"] == period and f["period"] == label and f["kind"] == "actual"
               and f["scope"] == "local" and not f["suspect"] and f["value_high"] is None]
    out = {}
    for name in names:
        exact = [f for f in figures if f["indicator"] == name] or [f for f in figures if row_name(f["indicator"]) == name] \
            or [f for f in figures if _ACTIVITY.sub("", row_name(f["indicator"]) or "") == _ACTIVITY.sub("", name)]
        known = catalog_entry(name)
        found = exact or [f for f in figures if known and _same_indicator(known, f["indicator"])] \
            or [f for f in figures if _ends_with(row_name(f["indicator"]) or "", name)]
        if found:
            out[name] = _most_stated(found)
    return out


def _ends_with(phrase: str, name: str) -> bool:
    """A past summary's phrase that ends with the row's name after words of no count of their own (中央投资2.69亿元,
    专项债3.8亿元 names the second 中央投资专项债): not 新增高新技术企业 for the row 高新技术企业."""
    return len(name) >= 3 and phrase.endswith(name) and not re.search(r"新|净增|其中|累计|期满|退出", phrase[:-len(name)])


_PLAN_WORDS = re.compile(r"^(?:力争|争取|确保|推动|全年|全县|全市|全区|年内)+")
_ACTIVITY = re.compile(r"^(?:举办|开展|组织|举行|召开|实施|完成|办理|受理)")  # 举办公园文化季活动 is the row 公园文化季活动
_NEW = re.compile(r"(?:新增|净增|新认定|新培育|新建|新引进|新入库)[\u4e00-\u9fff]{0,2}$")


def _ledger_targets(ledger: Ledger, org: str, year: int, period: str, names: list[str]
                    ) -> dict[str, tuple[float, str, str, str]]:
    """This year's targets as the bureau's previous annual summary set them in its 工作打算 (力争全县高新技术企业
    总数达到95家以上): indicator -> (value, unit, source, note). A target for what is new in the year (新增省级以上
    研发机构3家) is not the target of the total."""
    if period != "annual":
        return {}
    figures = [f for f in ledger.figures(org=org, year=year - 1)
               if f["org"] == org and f["doc_period"] == "annual" and f["period"] == str(year) and f["kind"] == "target"
               and f["scope"] == "local" and not f["suspect"] and f["value_high"] is None]
    out = {}
    for name in names:
        known = catalog_entry(name)
        found = [f for f in figures if (f["indicator"] == name or known and _same_indicator(
            known, _PLAN_WORDS.sub("", f["indicator"]))) and _counts_alike(name, known, f["sentence"])]
        if found:
            out[name] = _most_stated(found)
    return out


def _counts_alike(name: str, known: Indicator | None, sentence: str) -> bool:
    """The plan's figure counts what the row counts: 新增… before the indicator is a target of the year's new
    ones, which only a row of new ones (新增高新技术企业) takes."""
    new_row = bool(re.match(r"新增|净增|新认定", name))
    for alias in (known.aliases if known else (re.compile(re.escape(name)),)):
        if m := alias.search(sentence):
            return bool(_NEW.search(sentence[max(0, m.start() - 6):m.start()])) == new_row or new_row
    return True


def _same_indicator(indicator: Indicator, name: str) -> bool:
    """省级以上研发机构全年总数 and 科技企业孵化器保持 name catalog indicators; 省级以上研发机构全年新增 does not."""
    for alias in indicator.aliases:
        if m := alias.search(name):
            rest = FILLER.sub("", name[:m.start()] + name[m.end():])
            if re.search(r"(?:总数|总量)$", name):  # 新增…23家，总数达到231家: the total of the thing just named
                rest = re.sub(r"^(?:新增|净增)|(?:总数|总量)$", "", rest)
            return len(rest) <= 4 and not CHANGE_WORDS.search(rest)
    return False


def _most_stated(figures: list[dict]) -> tuple[float, str, str, str, str | None]:
    """The value stated most (exact ones first), its unit, source, a note, and its qualifier when it had only a
    rough one (超过5000万元: 超过)."""
    exact = [f for f in figures if not f["qualifier"]]  # 首次突破50% is not last year's value
    figures = exact or figures
    counts = Counter((f["value"], f["unit"]) for f in figures)
    (value, unit), _ = counts.most_common(1)[0]
    first = next(f for f in figures if (f["value"], f["unit"]) == (value, unit))
    others = sorted({f"{v:g}{u}" for v, u in counts if (v, u) != (value, unit)})
    note = f"上年材料中还出现过 {'、'.join(others)}，取出现最多的 {value:g}{unit}。" if others else ""
    if first["qualifier"]:
        note += f"上年值为约数（{rough(f'{value:g}', first['qualifier'], unit)}），不计算增量和同比；有确切的上年值请填入数据表。"
    return value, unit, f"{Path(first['path']).name}：{first['sentence']}", note, first["qualifier"] or None


def _convert(prior: tuple, unit: str) -> tuple[float | None, str, str]:
    value, prior_unit, source, note, _ = prior
    if prior_unit == unit or not unit or any({prior_unit, unit} <= group for group in EQUIVALENT):
        return value, source, note  # 登记技术合同3580份 of a row counted in 项
    if prior_unit in MONEY and unit in MONEY:
        return value * MONEY[prior_unit] / MONEY[unit], source, note
    return None, source, f"上年值单位为{prior_unit}，与本年{unit}不同，未使用。"


_NOTE_KINDS = {"problems": r"问题|不足|短板|差距", "plan": r"打算|计划|思路|安排"}


def note_kind(key: str) -> str | None:
    """problems or plan when a note heading names that part of a summary (存在的问题和不足, 工作打算), else None."""
    return key if key in _NOTE_KINDS else next((k for k, w in _NOTE_KINDS.items() if re.search(w, key)), None)


def _assign_notes(notes: dict[str, tuple[str, ...]], sections: list[PlannedSection], report: list[str]
                  ) -> dict[str, tuple[str, ...]]:
    """Map the writer's note headings to outline sections: by id, note key, title, then shared characters."""
    out: dict[str, list[str]] = {}
    writable = [s for s in sections if s.spec.kind != "heading"]
    for key, lines in notes.items():
        target = next((s for s in writable if key == s.spec.id or key in s.spec.note_keys or key == s.title), None)
        target = target or next((s for s in writable if s.title and (key in s.title or s.title in key)), None)
        kind = note_kind(key)
        if target is None and kind:  # problems or plans are never written as the year's results
            target = next((s for s in writable if s.spec.prompt == kind), None)
            if target is None:
                report.append(f"笔记“{key}”没有对应章节（本稿提纲中没有这一部分），未使用；需要时在提纲中加上这一部分。")
                continue
        # by likeness only to a section of the year's work: never the plan, 存在的问题 or the opening
        results = [s for s in writable if s.spec.prompt not in (*_NOTE_KINDS, "lead")] or writable
        if target is None and results:
            target = max(results, key=lambda s: len(set(key) & set(s.title + s.spec.query)))
            if not set(key) & set(target.title + target.spec.query):
                target = results[0]
            report.append(f"笔记“{key}”没有对应章节，放入“{target.title or '开头总述'}”。")
        if target is not None:
            out.setdefault(target.spec.id, []).extend(lines)
    return {k: tuple(v) for k, v in out.items()}
