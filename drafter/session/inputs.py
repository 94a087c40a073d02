"""What a draft is written and checked from: the facts table with the ledger's prior-year values, the
past summaries (for copy detection) and the bureau's comparison figures; and a check of any file
against them, for a text that is not a saved draft."""

import re
from dataclasses import dataclass, replace
from pathlib import Path

from drafter.config import Settings
from drafter.drafting.outlines import PlannedSection, default_outline, load_outline, plan
from drafter.errors import DrafterError
from drafter.ingest.admission import injections
from drafter.models import Finding
from drafter.numbers.checks import PastTexts
from drafter.numbers.commitments import Commitment
from drafter.numbers.facts import FactsInput, FactsTable, build_table, normalise_period, read_facts, read_notes


def facts_table(settings: Settings, planned: list[PlannedSection], given: FactsInput, org: str, year: int,
                period: str) -> FactsTable:
    """The writer's rows and notes with the ledger's prior-year values and the derived values."""
    from drafter.stores.ledger import Ledger

    ledger = Ledger(settings.catalog_path) if settings.catalog_path.exists() else None
    try:
        table = build_table(planned, given, org=org, year=year, period=period, ledger=ledger)
        table = replace(table, report=table.report + tuple(
            f"笔记“{line[:30]}”像是写给模型的指令：只当作笔记内容，不会被执行。"
            for lines in table.notes.values() for line in lines if injections(line)))
        known = sorted({d["org"] for d in ledger.documents() if d["org"]}) if ledger else []
    finally:
        if ledger:
            ledger.close()
    if org not in known:  # said plainly: every 上年 value and 同比 is missing for this reason
        table = replace(table, report=table.report + (
            f"语料库中没有“{org}”的往年总结，上年值、同比和增量无法自动取得（可在数据表“上年值”一列填写）。"
            + (f"已有往年总结的单位：{'、'.join(known)}。" if known else "语料库还是空的：先运行 drafter ingest。"),))
    return table


def resolve_org(settings: Settings, org: str) -> tuple[str, str | None]:
    """A bureau's name as the ledger knows it: 海安市科技局 and 海安科学技术局 are 海安市科学技术局. Returns
    (name, message) where the message says what was resolved, or None."""
    from drafter.stores.ledger import Ledger

    org = org.strip()
    if not settings.catalog_path.exists():
        return org, None
    with Ledger(settings.catalog_path) as ledger:
        known = sorted({d["org"] for d in ledger.documents() if d["org"]})
    if org in known:
        return org, None
    same = [k for k in known if _org_key(k) == _org_key(org)]
    if len(same) == 1:
        return same[0], f"单位“{org}”按往年材料读作“{same[0]}”。"
    return org, None


def _org_key(org: str) -> str:
    """海安市科学技术局 / 海安市科技局 / 海安科技局 → 海安."""
    return re.sub(r"(?:市|县|区|旗)?(?:科学技术局|科技局|科学技术委员会|科委)$", "", org.strip())


def past_inputs(settings: Settings, org: str, year: int) -> tuple[list[tuple[str, str]], list[dict]]:
    """(file name, text) of every past summary but the bureau's own of this year (for copy detection),
    and the bureau's comparison figures (全省共4家), which are never local numbers."""
    from drafter.stores.ledger import Ledger

    if not settings.catalog_path.exists():
        return [], []
    with Ledger(settings.catalog_path) as ledger:
        past = [(Path(r["path"]).name, r["text"]) for r in ledger.document_texts()
                if not (r["org"] == org and r["year"] == year)]
        context_values = [f for f in ledger.figures(org=org) if f["scope"] == "context" and f["org"] == org]
    return past, context_values


def check_file(settings: Settings, path: Path, *, facts: Path | None = None, notes: Path | None = None,
               org: str | None = None, year: int | None = None, period: str | None = None,
               outline: str | None = None) -> tuple[list[Finding], FactsTable]:
    """Check any draft or summary file against the facts table drafting would build (nothing is saved)."""
    from drafter.ingest.corpus import decode, extract_text, read_bytes
    from drafter.ingest.meta import infer_meta
    from drafter.numbers import checks

    data = read_bytes(path, settings.max_file_mb)
    plain = extract_text(path, data)  # offsets point into the file itself for text files
    text = decode(data) if path.suffix.lower() in (".md", ".txt") else plain
    given = read_facts(facts) if facts else FactsInput()
    if not (org or given.org) or not (year or given.year):
        meta, _ = infer_meta(plain, [], {}, path)
        org, year = org or meta.org, year or meta.year
        period = period or ("h1" if meta.period == "H1" else None)
    org, year = org or given.org, year or given.year
    resolved = None
    if org:
        org, resolved = resolve_org(settings, org)
    if not org or not year:
        raise DrafterError(f"看不出 {path.name} 是哪个单位哪一年的总结：请加 --org 和 --year，或 --facts 数据文件。")
    if notes:
        given = FactsInput(rows=given.rows, notes={**given.notes, **read_notes(notes)})
    g = grounds(settings, given, org, int(year), normalise_period(period) or given.period or "annual", outline)
    found = checks.check(text, g.table, planned=g.planned, past=g.past, copy_min_chars=settings.copy_min_chars,
                         context_values=g.context_values)
    return found, replace(g.table, report=(resolved, *g.table.report)) if resolved else g.table


@dataclass(frozen=True)
class Grounds:
    """What a text of one bureau and year is checked against."""

    planned: list[PlannedSection]
    table: FactsTable
    past: PastTexts
    context_values: list[dict]


def grounds(settings: Settings, given: FactsInput, org: str, year: int, period: str = "annual",
            outline: str | None = None) -> Grounds:
    """The outline, the facts table and the past summaries a check of this bureau's text works from."""
    spec = load_outline(outline or default_outline(org, period, settings.prompts_dir), settings.prompts_dir)
    planned = plan(spec, org=org, year=year)
    past, context_values = past_inputs(settings, org, year)
    return Grounds(planned, facts_table(settings, planned, given, org, year, period), PastTexts(past), context_values)


def index_state(settings: Settings) -> str | None:
    """Why prior-year values may be missing for a reason other than the corpus: "empty" (nothing ingested),
    "rebuilding" (an ingest holds the index right now), or None."""
    import fcntl

    from drafter.stores.ledger import Ledger

    lock = settings.index_dir / "ingest.lock"
    if lock.exists():
        with lock.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(handle, fcntl.LOCK_UN)
            except BlockingIOError:
                return "rebuilding"
    if not settings.catalog_path.exists():
        return "empty"
    with Ledger(settings.catalog_path) as ledger:
        return None if ledger.documents() else "empty"


def past_outline(settings: Settings, org: str, year: int, period: str) -> tuple[str, int, list] | None:
    """The bureau's most recent summary of the same period before this year, as (file name, year, sections), or
    None when the ledger has none."""
    from drafter.stores.ledger import Ledger

    if not settings.catalog_path.exists():
        return None
    with Ledger(settings.catalog_path) as ledger:
        found = [(meta.year, path, sections) for _, path, _, meta, sections in ledger.stored_documents()
                 if meta.org == org and meta.period == period and meta.year and meta.year < year]
    if not found:
        return None
    year_, path, sections = max(found, key=lambda f: f[0])
    return Path(path).name, year_, sections


def past_rows(settings: Settings, org: str, year: int, period: str) -> dict[str, list[str]]:
    """The indicators the bureau reported in its most recent summary of this period before this year, by the heading
    of the section they stand in: what a section of its own outline takes as this year's facts rows."""
    from drafter.numbers.figures import row_name
    from drafter.stores.ledger import Ledger

    found = past_outline(settings, org, year, period)
    if found is None:
        return {}
    name, past_year, _ = found
    label = str(past_year) if period == "annual" else f"H1 {past_year}"
    out: dict[str, list[str]] = {}
    with Ledger(settings.catalog_path) as ledger:
        for f in ledger.figures(org=org, year=past_year):
            row = row_name(f["indicator"])
            if (Path(f["path"]).name == name and row and f["kind"] == "actual" and f["scope"] == "local"
                    and f["period"] == label and not f["suspect"] and f["value_high"] is None and f["unit"] != "位次"
                    and row not in out.setdefault(f["section"] or "", [])):
                out[f["section"] or ""].append(row)
    return out


def last_plan(settings: Settings, org: str, year: int) -> list[Commitment]:
    """The items of the bureau's plan for this year, from its annual summary of last year (its 工作打算), or none
    when the ledger has no such summary."""
    from drafter.numbers.commitments import commitments
    from drafter.stores.ledger import Ledger

    if not settings.catalog_path.exists():
        return []
    with Ledger(settings.catalog_path) as ledger:
        found = [sections for _, _, _, meta, sections in ledger.stored_documents()
                 if meta.org == org and meta.year == year - 1 and meta.period == "annual"]
    return commitments(found[0]) if found else []
