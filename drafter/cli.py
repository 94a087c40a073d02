"""Command line: thin wrappers around library calls; user errors print without a traceback."""

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from drafter.config import Settings, load_settings
from drafter.errors import DrafterError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Draft 工作总结 from past summaries and this year's facts.")
console = Console()
err = Console(stderr=True, soft_wrap=True)

OrgOpt = Annotated[Optional[str], typer.Option("--org", help="Bureau, e.g. 示例县科学技术局.")]
YearOpt = Annotated[Optional[int], typer.Option("--year", help="Year summarised.")]
PeriodOpt = Annotated[Optional[str], typer.Option("--period", help="annual | H1 | other.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _settings() -> Settings:
    return load_settings()


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders (default: the corpus dir).")] = None,
    org: OrgOpt = None,
    year: YearOpt = None,
    period: PeriodOpt = None,
    prune: Annotated[bool, typer.Option("--prune", help="Forget documents whose file is gone.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Delete the catalog and ingest from scratch.")] = False,
) -> None:
    """Parse past summaries into the catalog and fact ledger under the index dir."""
    from drafter.ingest import ingest as run_ingest

    settings = _settings()
    with Progress(TextColumn("[bold]{task.fields[stage]}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"),
                  console=err, transient=True) as progress:
        files = progress.add_task("", total=None, stage="parse")
        embed = None

        def on_file(path: Path, i: int, total: int) -> None:
            progress.update(files, total=total, completed=i + 1, description=path.name)

        def on_embed(done: int, total: int, rate: float) -> None:
            nonlocal embed
            if embed is None:
                embed = progress.add_task("", total=total, stage="embed")
            progress.update(embed, completed=done, description=f"{rate:.1f} passages/s")

        report = run_ingest(settings, paths, overrides={"org": org, "year": year, "period": period},
                            prune=prune, rebuild=rebuild, on_file=on_file, on_embed=on_embed)
    _print_ingest(report, settings)
    if report.usable == 0:
        err.print("[red]No file could be ingested.[/red] Fix the problems above, or point `drafter ingest` at a folder of .txt .md .docx .pdf .html files.")
        raise typer.Exit(1)


def _print_ingest(report, settings: Settings) -> None:
    from drafter.ledger import Ledger

    ledger = Ledger(settings.catalog_path)
    try:
        docs = ledger.documents()
    finally:
        ledger.close()
    table = Table(title=f"Catalog: {settings.catalog_path}")
    for col in ("file", "org", "year", "period", "sections", "figures"):
        table.add_column(col, overflow="fold")
    for d in docs:
        table.add_row(Path(d["path"]).name, d["org"] or "—", str(d["year"] or "—"), d["period"] or "—",
                      str(d["sections"]), str(d["figures"]))
    console.print(table)
    console.print(
        f"files: {len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.skipped)} skipped, {len(report.pruned)} pruned; "
        f"this run: {report.sections} sections, {report.figures} figures"
    )
    if report.index:
        ix = report.index
        if ix.rebuilt_from:
            err.print(f"[yellow]The embedding changed ({ix.rebuilt_from} → now {settings.embedding}); "
                      "the vector index was rebuilt.[/yellow]")
        console.print(f"search index: {ix.passages} passages, {ix.embedded} embedded, {ix.removed} removed "
                      f"({ix.seconds:.1f} s, embedding: {settings.embedding})")
    for path, reason in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {path}: {reason}")
    for path, warning in report.warnings:
        err.print(f"[dim]note[/dim] {Path(path).name}: {warning}")


@app.command()
def inspect(
    files: Annotated[list[Path], typer.Argument(help="Files to parse (the index is not touched).")],
    org: OrgOpt = None,
    year: YearOpt = None,
    period: PeriodOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show how files are parsed: metadata, headings, figures."""
    from drafter.document import parse_file
    from drafter.ledger import document_json

    settings = _settings()
    results, failed = [], 0
    for path in files:
        try:
            doc = parse_file(path, max_mb=settings.max_file_mb, overrides={"org": org, "year": year, "period": period})
        except DrafterError as e:
            err.print(f"[red]{path}[/red]: {e}")
            failed += 1
            continue
        results.append(document_json(doc))
    if as_json:
        sys.stdout.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    else:
        for r in results:
            _print_document(r)
    if failed and not results:
        raise typer.Exit(1)


def _print_document(r: dict) -> None:
    m = r["meta"]
    console.rule(f"{Path(r['path']).name}")
    console.print(f"org: {m['org'] or '—'}  year: {m['year'] or '—'}  period: {m['period'] or '—'}  title: {m['title'] or '—'}")
    for s in r["sections"]:
        console.print("  " * (s["level"] - 1) + s["heading"][:60], markup=False)
    table = Table(show_lines=False)
    for col in ("indicator", "value", "unit", "period", "kind", "scope", "qualifier", "sentence"):
        table.add_column(col, overflow="fold")
    for f in r["figures"]:
        value = _fmt(f["value"]) + (f"–{_fmt(f['value_high'])}" if f["value_high"] is not None else "")
        table.add_row(f["indicator"], value + (" ⚠" if f["suspect"] else ""), f["unit"], f["period"] or "—",
                      f["kind"], f["scope"], f["qualifier"] or "", f["sentence"][:40])
    console.print(table)
    for w in r["warnings"]:
        err.print(f"[dim]note[/dim]: {w}")


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e15 else str(v)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What the section is about, e.g. 高新技术企业培育 净增 总数.")],
    k: Annotated[int, typer.Option("-k", help="Number of passages.")] = 10,
    org: OrgOpt = None,
    year: YearOpt = None,
    exclude_year: Annotated[Optional[int], typer.Option("--exclude-year", help="Leave out this year.")] = None,
    topic: Annotated[Optional[str], typer.Option("--topic", help="Outline topic, e.g. 企业培育.")] = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid | dense | lexical.")] = "hybrid",
    as_json: JsonOpt = False,
) -> None:
    """Find past phrasing: passages of ingested summaries ranked for a query."""
    from drafter.clean import as_written
    from drafter.retrieve import Retriever

    if mode not in ("hybrid", "dense", "lexical"):
        raise DrafterError(f"--mode must be hybrid, dense or lexical, not '{mode}'")
    hits = Retriever(_settings()).search(query, k, org=org, year_from=year, year_to=year, exclude_year=exclude_year,
                                         topic=topic, mode=mode)
    if as_json:
        out = [{"doc": h.doc, "org": h.org, "year": h.year, "section": as_written(h.section), "text": as_written(h.text),
                "score": h.score} for h in hits]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(hits)} passages for “{query}”", show_lines=True)
    for col in ("#", "doc", "year", "topic", "section", "text", "score"):
        table.add_column(col, overflow="fold")
    for i, h in enumerate(hits, 1):
        table.add_row(str(i), h.doc, str(h.year or "—"), h.topic, as_written(h.section[-30:]), as_written(h.text),
                      f"{h.score:.4f}")
    console.print(table)


@app.command()
def figures(
    org: OrgOpt = None,
    year: YearOpt = None,
    indicator: Annotated[Optional[str], typer.Option("--indicator", help="Part of an indicator name.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The fact ledger: figures extracted from ingested summaries, with their source sentence."""
    from drafter.ledger import Ledger

    settings = _settings()
    if not settings.catalog_path.exists():
        raise DrafterError(f"No catalog at {settings.catalog_path}; run `drafter ingest` first.")
    ledger = Ledger(settings.catalog_path)
    try:
        rows = ledger.figures(org=org, year=year, indicator=indicator)
    finally:
        ledger.close()
    if not rows and indicator:
        from drafter.retrieve import lookup_figures

        rows = lookup_figures(settings, indicator, org=org, year=year)
        if rows and not as_json:
            console.print(f"No indicator named “{indicator}”; figures from the passages closest in meaning:")
    if as_json:
        keys = ("indicator", "value", "value_high", "unit", "period", "kind", "scope", "qualifier", "suspect",
                "sentence", "org", "year", "path")
        out = [{k: (bool(r[k]) if k == "suspect" else r[k]) for k in keys} for r in rows]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(rows)} figures")
    for col in ("org", "year", "indicator", "value", "unit", "period", "kind", "scope", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["org"] or "—", str(r["year"] or "—"), r["indicator"],
                      _fmt(r["value"]) + (" ⚠" if r["suspect"] else ""), r["unit"], r["period"] or "—",
                      r["kind"], r["scope"], f"{Path(r['path']).name}: {r['sentence'][:30]}")
    console.print(table)

FactsOpt = Annotated[Optional[Path], typer.Option("--facts", help="本年数据：.yaml / .csv / .xlsx（见 corpus/facts/）。")]
NotesOpt = Annotated[Optional[Path], typer.Option("--notes", help="分章节笔记：.yaml，或以“# 章节”分段的 .md/.txt。")]
OutlineOpt = Annotated[Optional[str], typer.Option("--outline", help="提纲名（prompts/outlines）或 .yaml 路径。")]
DraftPeriodOpt = Annotated[Optional[str], typer.Option("--period", help="annual（全年）| h1（上半年）。")]
SkipOpt = Annotated[Optional[list[str]], typer.Option("--skip", help="不写的章节 id（可重复），如 party。")]
DraftId = Annotated[int, typer.Argument(help="稿件编号（drafter drafts 可查）。")]
SectionArg = Annotated[str, typer.Argument(help="章节 id，如 enterprises、problems、plan、lead。")]


def _desk(**kw):
    from drafter.session import Desk

    return Desk(_settings(), **kw)


@app.command()
def draft(
    org: OrgOpt = None,
    year: YearOpt = None,
    period: DraftPeriodOpt = None,
    facts: FactsOpt = None,
    notes: NotesOpt = None,
    outline: OutlineOpt = None,
    skip: SkipOpt = None,
    out: Annotated[Optional[Path], typer.Option("-o", "--out", help="OUT.md 或 OUT.docx（默认写到工作区文件夹）。")] = None,
) -> None:
    """One shot: the bureau's default draft with these facts and notes, every section written, then exported."""
    desk = _desk()
    session = desk.quick(org=org, year=year, period=period, facts=facts, notes=notes, outline=outline,
                         skip=tuple(skip or ()))
    _print_facts_report(session.table().report)
    err.print(f"稿件 {session.id}：{session.info.name}　模型：{desk.backend()}")
    report = _generate(session)
    _finish(session, report, out or desk.settings.workspace / f"{session.title}.md")


def _generate(session, sections=None, stale: bool = False):
    """Write sections; Ctrl-C stops at once: every section finished so far is already saved."""
    try:
        return session.generate(sections, stale=stale, on_event=_progress_printer(session.planned()))
    except KeyboardInterrupt:
        done = [s.heading or "开头总述" for s in session.sections() if s.version]
        err.print(f"\n[yellow]已中断。[/yellow]已完成的部分都已保存（{len(done)} 个）；"
                  f"再运行 `drafter generate {session.id}` 继续。")
        os._exit(130)  # worker threads may be waiting on the model: do not wait for them


def _finish(session, report, out: Path | None) -> None:
    for line in report.warnings:
        err.print(f"[yellow]提示[/yellow] {line}")
    if out:
        console.print(f"已写出：{session.export(out)}")
    _print_findings([(session.section(r.id).heading, f) for r in report.results.values() for f in r.findings])
    for r in report.results.values():
        if r.replaced:
            err.print(f"[yellow]{session.section(r.id).heading or '开头总述'}[/yellow]：找不到来源的数字已换成"
                      f"【待核实】：{'、'.join(r.replaced)}")
    if report.failed:
        names = "、".join(session.section(r.id).heading or "开头总述" for r in report.failed)
        err.print(f"[red]{len(report.failed)} 个部分生成失败[/red]，保留了原有文字：{names}。"
                  f"再运行 `drafter generate {session.id}` 重试。")
        raise typer.Exit(1)


def _progress_printer(planned):
    headings = {p.spec.id: p.heading or "开头总述" for p in planned}

    def on_event(event) -> None:
        name = headings.get(event.section, event.section)
        if event.kind == "done":
            err.print(f"[green]✓[/green] {name}  {len(event.text)}字", markup=True)
        elif event.kind == "repair":
            err.print(f"[yellow]↻[/yellow] {name}：核对发现问题，修改一轮")
        elif event.kind == "failed":
            err.print(f"[red]✗[/red] {name}：{event.text}（保留原有文字）")
    return on_event


def _print_facts_report(report) -> None:
    for line in report:
        err.print(f"[dim]数据[/dim] {line}")


def _print_findings(items: list) -> None:
    if not items:
        console.print("核对：没有发现问题")
        return
    t = Table(title=f"核对发现 {len(items)} 处问题")
    for col in ("章节", "类型", "原文", "说明"):
        t.add_column(col, overflow="fold")
    for heading, f in items:
        t.add_row(heading or "—", f.kind, f.text[:40], f.message + (f" {f.suggestion}" if f.suggestion else ""))
    console.print(t)


FailOnOpt = Annotated[Optional[str], typer.Option(
    "--fail-on", help="哪些类型算错误（逗号分隔）；默认：数字、占位符、照抄、计划写成完成、提纲。")]
FAIL_DEFAULT = ("unverified_number,inconsistent_prior,wrong_indicator,wrong_year,target_as_actual,context_as_local,"
                "arithmetic,qualifier,rank,plan_as_done,copied_text,placeholder,outline")


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="稿件或任一总结：.md .txt .docx。")],
    facts: FactsOpt = None,
    notes: NotesOpt = None,
    org: OrgOpt = None,
    year: YearOpt = None,
    period: DraftPeriodOpt = None,
    outline: OutlineOpt = None,
    fail_on: FailOnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a text against the facts table: unsourced numbers, placeholders, copied text, outline.
    Exits 1 when a finding of a --fail-on kind is found."""
    from drafter.inputs import check_file

    found, table = check_file(_settings(), file, facts=facts, notes=notes, org=org, year=year, period=period,
                              outline=outline)
    if as_json:
        sys.stdout.write(json.dumps([f.to_json() for f in found], ensure_ascii=False, indent=2) + "\n")
    else:
        _print_facts_report(table.report)
        _print_findings([("", f) for f in found])
    failing = {k.strip() for k in (fail_on or FAIL_DEFAULT).split(",") if k.strip()}
    if any(f.kind in failing for f in found):
        raise typer.Exit(1)


prompts_app = typer.Typer(no_args_is_help=True, help="drafter 发给模型的提示词。")
app.add_typer(prompts_app, name="prompts")


@prompts_app.command("show")
def prompts_show(
    section: SectionArg,
    draft_id: Annotated[Optional[int], typer.Option("--draft", help="稿件编号；不给则用单位年度的默认稿件。")] = None,
    org: OrgOpt = None,
    year: YearOpt = None,
    period: DraftPeriodOpt = None,
    facts: FactsOpt = None,
    notes: NotesOpt = None,
    outline: OutlineOpt = None,
) -> None:
    """Print the exact messages a section's model call gets (synthesis sections: from the saved body)."""
    desk = _desk(offline_model=True)
    session = desk.open(draft_id) if draft_id else desk.quick(org=org, year=year, period=period, facts=facts,
                                                               notes=notes, outline=outline)
    for m in session.messages(section):  # plain stdout: the exact text, never re-wrapped
        sys.stdout.write(f"===== {m.type} · {len(m.content)} chars =====\n{m.content}\n")


# ---- drafts, step by step -------------------------------------------------------------------------

@app.command()
def new(
    org: Annotated[str, typer.Option("--org", help="单位，如 示例县科学技术局。")],
    year: Annotated[int, typer.Option("--year", help="总结的年度。")],
    period: DraftPeriodOpt = None,
    outline: OutlineOpt = None,
    name: Annotated[Optional[str], typer.Option("--name", help="稿件名称（同一单位年度可有多份）。")] = None,
) -> None:
    """Create a draft; prints its id."""
    desk = _desk()
    session = desk.create(org, year, period, outline, name)
    for line in desk.warnings:
        err.print(f"[yellow]提示[/yellow] {line}")
    console.print(f"{session.id}")
    err.print(f"已创建稿件 {session.id}：{session.info.name}（{session.title}）。"
              f"下一步：drafter facts import {session.id} 数据文件")


@app.command()
def drafts() -> None:
    """List the drafts of the workspace."""
    table = Table(title="稿件")
    for col in ("编号", "名称", "单位", "年度", "期间", "提纲", "更新时间"):
        table.add_column(col, overflow="fold")
    for d in _desk().drafts():
        table.add_row(str(d.id), d.name, d.org, str(d.year), "上半年" if d.period == "H1" else "全年", d.outline,
                      d.updated_at[:16])
    console.print(table)


facts_app = typer.Typer(no_args_is_help=True, help="稿件的本年数据（每次修改都保留）。")
app.add_typer(facts_app, name="facts")


@facts_app.command("set")
def facts_set(
    draft_id: DraftId,
    pairs: Annotated[list[str], typer.Argument(help="指标=数值，如 高新技术企业总数=105；也可 指标.target=110。")],
) -> None:
    """Change values; numbers in the sections are patched in place."""
    session = _desk().open(draft_id)
    rows = session.fact_inputs()
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise DrafterError(f"“{pair}”应写成 指标=数值，例如 高新技术企业总数=105。")
        indicator, _, column = name.strip().partition(".")
        column = column or "value"
        row = next((r for r in rows if r["indicator"] == indicator), None)
        if row is None:
            row = {"indicator": indicator}
            rows.append(row)
        row[column] = value.strip()
    _print_update(session, session.set_facts(rows, "命令行修改"))


@facts_app.command("import")
def facts_import(draft_id: DraftId, file: Annotated[Path, typer.Argument(help=".yaml / .csv / .xlsx")]) -> None:
    """Replace the facts with a file's (notes in a YAML file too); sections are patched in place."""
    session = _desk().open(draft_id)
    _print_update(session, session.import_facts(file))


@facts_app.command("show")
def facts_show(draft_id: DraftId) -> None:
    """The facts table: this year, last year (and where it came from), derived values."""
    rows = _desk().open(draft_id).fact_rows()
    table = Table(title="数据表")
    for col in ("指标", "本年", "上年", "目标", "推算", "上年值来源"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.indicator, _cell(r.value, r.unit), _cell(r.prior, r.unit), _cell(r.target, r.unit),
                      "；".join(f"{n} {t}" for n, t in r.derived), r.prior_source[:40])
    console.print(table)


def _cell(value, unit: str) -> str:
    return "—" if value is None else f"{value:g}{unit}"


def _print_update(session, update) -> None:
    _print_facts_report(update.report)
    headings = {p.spec.id: p.heading or "开头总述" for p in session.planned()}
    for sid, changes in update.patched.items():
        console.print(f"[green]已更新[/green] {headings.get(sid, sid)}：" +
                      "；".join(f"{c.indicator} {c.old}→{c.new}" for c in changes))
    for sid, reasons in update.stale.items():
        console.print(f"[yellow]需重新生成[/yellow] {headings.get(sid, sid)}：{'；'.join(reasons)}")
    console.print(f"数据第{update.rev}版。{update.summary()}")
    if update.stale:
        console.print(f"重新生成这些部分：drafter generate {session.id} --stale")


@app.command()
def notes(
    draft_id: DraftId,
    section: SectionArg,
    text: Annotated[Optional[str], typer.Argument(help="笔记，每行一条；省略则显示现有笔记。")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="从文件导入全部章节的笔记。")] = None,
) -> None:
    """Show or set the writer's notes for a section."""
    session = _desk().open(draft_id)
    if file:
        for line in session.import_notes(file):
            err.print(line)
    elif text is not None:
        session.set_notes(section, text)
    for line in session.notes().get(section, ()):
        console.print(f"- {line}", markup=False)


@app.command()
def outline(
    draft_id: DraftId,
    off: Annotated[Optional[list[str]], typer.Option("--off", help="关闭章节（可重复）。")] = None,
    on: Annotated[Optional[list[str]], typer.Option("--on", help="打开章节（可重复）。")] = None,
    order: Annotated[Optional[str], typer.Option("--order", help="全部章节 id 的新顺序，逗号分隔。")] = None,
) -> None:
    """Review the outline: switch sections on or off, reorder them."""
    session = _desk().open(draft_id)
    if off or on or order:
        session.set_outline(order.split(",") if order else None,
                            {**{s: False for s in off or ()}, **{s: True for s in on or ()}})
    for item in session.outline():
        mark = "✓" if item.enabled else "✗"
        console.print(f"{mark} {item.id:<14} {'  ' * max(item.level - 1, 0)}{item.heading or '（开头总述）'}",
                      markup=False)


@app.command()
def generate(
    draft_id: DraftId,
    section: Annotated[Optional[list[str]], typer.Option("--section", help="只写这些章节（可重复）。")] = None,
    stale: Annotated[bool, typer.Option("--stale", help="只重写需要重新生成的章节。")] = False,
) -> None:
    """Write the draft's sections; each is saved the moment it is finished."""
    desk = _desk()
    session = desk.open(draft_id)
    err.print(f"模型：{desk.backend()}")
    report = _generate(session, section or None, stale)
    if stale and not report.results:
        console.print("没有需要重新生成的章节。")
    _finish(session, report, None)


@app.command()
def edit(
    draft_id: DraftId,
    section: SectionArg,
    file: Annotated[Path, typer.Argument(help="新的正文（UTF-8 文本文件）；- 表示标准输入。")],
) -> None:
    """Save your own text of a section as a new version (and check it)."""
    text = sys.stdin.read() if str(file) == "-" else _read_text(file)
    session = _desk().open(draft_id)
    version = session.edit(section, text)
    console.print(f"已保存为第{version.number}版。")
    _print_findings([("", f) for f in version.findings])


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise DrafterError(f"无法读取 {path}（{e}）。请另存为 UTF-8 文本。") from e


@app.command()
def refine(
    draft_id: DraftId,
    section: SectionArg,
    instruction: Annotated[str, typer.Argument(help="修改要求，或快捷操作：扩写、缩写、润色、更正式、补充数据。")],
    span: Annotated[Optional[str], typer.Option("--span", help="只改写正文中的这一段文字。")] = None,
) -> None:
    """Rewrite a section by instruction through the model, with the same number guard."""
    from drafter.session import quick_actions

    desk = _desk()
    session = desk.open(draft_id)
    is_action = instruction in quick_actions(desk.settings.prompts_dir)
    version = session.refine(section, "" if is_action else instruction, action=instruction if is_action else None,
                             span=span, on_event=_progress_printer(session.planned()))
    console.print(f"已保存为第{version.number}版。")
    _print_findings([("", f) for f in version.findings])


@app.command()
def tidy(
    draft_id: DraftId,
    section: SectionArg,
    action: Annotated[str, typer.Argument(help="apply_facts（套用最新数据）| renumber（重新编号）| strip_hints（删除参考表述）")],
) -> None:
    """Changes that need no model."""
    version = _desk().open(draft_id).tidy(section, action)
    console.print(f"已保存为第{version.number}版。{version.note}")


@app.command()
def history(draft_id: DraftId, section: SectionArg) -> None:
    """The versions of a section."""
    from drafter.session import ORIGINS

    table = Table(title="版本")
    for col in ("版本", "来源", "时间", "字数", "说明"):
        table.add_column(col, overflow="fold")
    for v in _desk().open(draft_id).history(section):
        table.add_row(str(v.number), ORIGINS.get(v.origin, v.origin), v.created_at[:19], str(len(v.text)), v.note)
    console.print(table)




@app.command()
def diff(draft_id: DraftId, section: SectionArg, v1: int, v2: int) -> None:
    """What changed between two versions: [-deleted-] {+inserted+}."""
    from rich.text import Text

    out = Text()
    for op, text in _desk().open(draft_id).diff(section, v1, v2):
        out.append(text if op == "equal" else f"[-{text}-]" if op == "delete" else f"{{+{text}+}}",
                   style={"equal": "", "delete": "red strike", "insert": "green"}[op])
    console.print(out)


@app.command()
def restore(draft_id: DraftId, section: SectionArg, version: int) -> None:
    """Make an older version current again (as a new version; nothing is deleted)."""
    v = _desk().open(draft_id).restore(section, version)
    console.print(f"已恢复为第{v.number}版（{v.note}）。")


@app.command()
def export(
    draft_id: DraftId,
    out: Annotated[Path, typer.Option("-o", "--out", help="FILE.docx（GB/T 9704）| .md | .csv / .xlsx（数据与来源表）")],
) -> None:
    """Export the draft."""
    console.print(f"已写出：{_desk(offline_model=True).open(draft_id).export(out)}")


@app.command()
def ui(
    host: Annotated[str, typer.Option("--host", help="监听地址；默认只在本机可用。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 7860,
    insecure: Annotated[bool, typer.Option("--insecure", help="允许在非本机地址上不登录使用（不建议）。")] = False,
) -> None:
    """The writer's workbench in the browser."""
    from drafter.ui import serve

    serve(_settings(), host=host, port=port, insecure=insecure)


def main() -> None:
    """Entry point: run the app, printing DrafterErrors as one line without a traceback."""
    try:
        app()
    except DrafterError as e:
        err.print(f"[red]错误：[/red]{e}")
        sys.exit(2)
