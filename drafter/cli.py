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

app = typer.Typer(add_completion=False, no_args_is_help=True, help="科技局工作总结起草：学习往年总结，按本年数据和笔记起草、核对、导出。")
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
                  TextColumn("剩余"), TimeRemainingColumn(), TextColumn("{task.description}"),
                  console=err, transient=True) as progress:
        files = progress.add_task("", total=None, stage="解析")
        embed = None

        def on_file(path: Path, i: int, total: int) -> None:
            progress.update(files, total=total, completed=i + 1, description=path.name)

        def on_embed(done: int, total: int, rate: float) -> None:
            nonlocal embed
            if embed is None:
                embed = progress.add_task("", total=total, stage="向量化")
            progress.update(embed, completed=done, description=f"每秒 {rate:.1f} 段")

        report = run_ingest(settings, paths, overrides={"org": org, "year": year, "period": period},
                            prune=prune, rebuild=rebuild, on_file=on_file, on_embed=on_embed)
    _print_ingest(report, settings)
    if report.usable == 0:
        err.print("[red]没有可收录的文件。[/red]请按上面的提示处理，或让 `drafter ingest` 指向存放 .txt .md .docx .pdf .html 的文件夹。")
        raise typer.Exit(1)


def _print_ingest(report, settings: Settings) -> None:
    from drafter.ledger import Ledger

    ledger = Ledger(settings.catalog_path)
    try:
        docs = ledger.documents()
    finally:
        ledger.close()
    table = Table(title=f"语料目录：{settings.catalog_path}")
    for col in ("文件", "单位", "年度", "期间", "章节数", "数字数"):
        table.add_column(col, overflow="fold")
    for d in docs:
        table.add_row(Path(d["path"]).name, d["org"] or "—", str(d["year"] or "—"), d["period"] or "—",
                      str(d["sections"]), str(d["figures"]))
    console.print(table)
    console.print(
        f"文件：新增 {len(report.added)}，更新 {len(report.updated)}，未变 {len(report.unchanged)}，"
        f"跳过 {len(report.skipped)}，移除 {len(report.pruned)}；本次解析 {report.sections} 个章节、{report.figures} 个数字"
    )
    if report.index:
        ix = report.index
        if ix.rebuilt_from:
            err.print(f"[yellow]向量模型已更换（{ix.rebuilt_from} → {settings.embedding}），检索索引已重建。[/yellow]")
        console.print(f"检索索引：{ix.passages} 段，新向量化 {ix.embedded} 段，移除 {ix.removed} 段"
                      f"（{ix.seconds:.1f} 秒，向量模型：{settings.embedding}）")
    for path, reason in report.skipped:
        err.print(f"[yellow]跳过[/yellow] {path}：{reason}")
    for path, warning in report.warnings:
        err.print(f"[dim]提示[/dim] {Path(path).name}：{warning}")


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
    console.print(f"单位：{m['org'] or '—'}  年度：{m['year'] or '—'}  期间：{m['period'] or '—'}  标题：{m['title'] or '—'}")
    for s in r["sections"]:
        console.print("  " * (s["level"] - 1) + s["heading"][:60], markup=False)
    table = Table(show_lines=False)
    for col in ("指标", "数值", "单位", "期间", "类型", "范围", "限定", "原句"):
        table.add_column(col, overflow="fold")
    for f in r["figures"]:
        value = _fmt(f["value"]) + (f"–{_fmt(f['value_high'])}" if f["value_high"] is not None else "")
        table.add_row(f["indicator"], value + (" ⚠" if f["suspect"] else ""), f["unit"], f["period"] or "—",
                      f["kind"], f["scope"], f["qualifier"] or "", f["sentence"][:40])
    console.print(table)
    for w in r["warnings"]:
        err.print(f"[dim]提示[/dim]：{w}")


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
        raise DrafterError(f"--mode 应为 hybrid、dense 或 lexical，而不是“{mode}”。")
    hits = Retriever(_settings()).search(query, k, org=org, year_from=year, year_to=year, exclude_year=exclude_year,
                                         topic=topic, mode=mode)
    if as_json:
        out = [{"doc": h.doc, "org": h.org, "year": h.year, "section": as_written(h.section), "text": as_written(h.text),
                "score": h.score} for h in hits]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"“{query}”的 {len(hits)} 个段落", show_lines=True)
    for col in ("#", "文件", "年度", "主题", "章节", "原文", "得分"):
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
        raise DrafterError(f"{settings.catalog_path} 还没有语料目录；请先运行 `drafter ingest`。")
    ledger = Ledger(settings.catalog_path)
    try:
        rows = ledger.figures(org=org, year=year, indicator=indicator)
    finally:
        ledger.close()
    if not rows and indicator:
        from drafter.retrieve import lookup_figures

        rows = lookup_figures(settings, indicator, org=org, year=year)
        if rows and not as_json:
            console.print(f"没有名为“{indicator}”的指标；以下是意思最接近的段落中的数字：")
    if as_json:
        keys = ("indicator", "value", "value_high", "unit", "period", "kind", "scope", "qualifier", "suspect",
                "sentence", "org", "year", "path")
        out = [{k: (bool(r[k]) if k == "suspect" else r[k]) for k in keys} for r in rows]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(rows)} 个数字")
    for col in ("单位", "年度", "指标", "数值", "计量", "期间", "类型", "范围", "来源"):
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
ForceOpt = Annotated[bool, typer.Option("--force", help="语料库为空或正在重建时也起草（不写上年值和同比）。")]
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
    force: ForceOpt = False,
) -> None:
    """One shot: the bureau's default draft with these facts and notes, every section written, then exported."""
    desk = _desk()
    session = desk.quick(org=org, year=year, period=period, facts=facts, notes=notes, outline=outline,
                         skip=tuple(skip or ()))
    _print_facts_report(session.table().report)
    err.print(f"稿件 {session.id}：{session.info.name}　模型：{desk.backend()}")
    report = _generate(session, force=force)
    _finish(session, report, out, export=True)


def _generate(session, sections=None, stale: bool = False, force: bool = False):
    """Write sections; Ctrl-C stops at once: every section finished so far is already saved."""
    try:
        return session.generate(sections, stale=stale, on_event=_progress_printer(session.planned()), force=force)
    except KeyboardInterrupt:
        done = [s.heading or "开头总述" for s in session.sections() if s.version]
        err.print(f"\n[yellow]已中断。[/yellow]已完成的部分都已保存（{len(done)} 个）；"
                  f"再运行 `drafter generate {session.id}` 继续。")
        os._exit(130)  # worker threads may be waiting on the model: do not wait for them


def _finish(session, report, out: Path | None = None, export: bool = False) -> None:
    """Warnings, the exported file (`out`, or the title's name in the workspace), findings, to-dos, failures."""
    for line in report.warnings:
        err.print(f"[yellow]提示[/yellow] {line}")
    if export:
        written = session.export(out) if out else session.export_into(session.settings.workspace, ".md")
        console.print(f"已写出：{written}")
    _print_findings([(session.section(r.id).heading, f) for r in report.results.values() for f in r.findings])
    if todo := session.todo():
        err.print(f"[yellow]稿中还有 {len(todo)} 处待补充[/yellow]（在数据中填上数字后稿件会就地更新，其余请在稿中替换）：")
        for heading, marker in todo:
            err.print(f"  {heading}：{marker}")
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
    from drafter.session import KIND_LABELS

    if not items:
        console.print("核对：没有发现问题")
        return
    t = Table(title=f"核对发现 {len(items)} 处问题")
    for col in ("章节", "类型", "原文", "说明"):
        t.add_column(col, overflow="fold")
    for heading, f in items:
        t.add_row(heading or "—", KIND_LABELS.get(f.kind, f.kind), f.text[:40], f.message + (f" {f.suggestion}" if f.suggestion else ""))
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


@app.command()
def ui(
    host: Annotated[str, typer.Option("--host", help="监听地址；默认只在本机可用。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 7860,
    insecure: Annotated[bool, typer.Option("--insecure", help="允许在非本机地址上不登录使用（不建议）。")] = False,
) -> None:
    """The writer's workbench in the browser."""
    from drafter.ui import serve

    serve(_settings(), host=host, port=port, insecure=insecure)


from drafter import cli_drafts  # noqa: E402,F401 — registers the step-by-step draft commands on `app`

HELP = {  # what `drafter --help` shows a writer; the docstrings stay for readers of the code
    "ingest": "把往年总结收入语料库：解析结构、提取数字（事实台账），建立检索索引。",
    "inspect": "查看文件的解析结果（单位、年度、标题、数字），不改动语料库。",
    "search": "检索往年表述：按查询词列出最接近的往年段落。",
    "figures": "查看事实台账：往年总结中的数字及其原句。",
    "draft": "一步完成：按数据文件和笔记起草全部章节并导出。",
    "check": "核对任一稿件：数字来源、照抄、占位符、提纲；发现问题时退出码为 1。",
    "ui": "在浏览器中打开起草工作台。",
    "new": "新建稿件，输出稿件编号。",
    "drafts": "列出工作区中的稿件。",
    "notes": "查看或填写某一章节的笔记。",
    "outline": "审阅提纲：开关章节、调整顺序。",
    "generate": "生成稿件的章节（全部、指定章节或需要更新的章节），每写完一节即保存。",
    "edit": "把你修改后的正文保存为新版本，并立即核对。",
    "refine": "按指令或快捷操作（扩写、缩写、润色、更正式、补充数据）让模型改写一节。",
    "tidy": "不需要模型的整理：套用最新数据、重新编号、删除参考表述。",
    "history": "查看一节的历史版本。",
    "diff": "比较一节的两个版本。",
    "restore": "恢复某一历史版本（作为新版本，不删除任何版本）。",
    "export": "导出稿件：.docx（GB/T 9704 格式）、.md，或数据与来源表 .csv / .xlsx。",
    "prompts show": "显示某一章节发给模型的完整提示词。",
    "facts set": "修改数据（指标=数值），正文中的数字就地更新。",
    "facts import": "从 .yaml / .csv / .xlsx 导入数据（YAML 中的笔记一并导入）。",
    "facts show": "查看数据表：本年值、上年值及其来源、推算值。",
}
for _prefix, _typer in (("", app), ("prompts ", prompts_app), ("facts ", cli_drafts.facts_app)):
    for _command in _typer.registered_commands:
        _name = _command.name or _command.callback.__name__.removeprefix("facts_").removeprefix("prompts_")
        _command.help = HELP.get(_prefix + _name, _command.help)


def main() -> None:
    """Entry point: run the app, printing DrafterErrors as one line without a traceback."""
    try:
        app()
    except DrafterError as e:
        err.print(f"[red]错误：[/red]{e}")
        sys.exit(2)
