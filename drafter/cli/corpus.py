"""Commands on the corpus and on any text: ingest, inspect, search, figures, check, prompts show, ui."""

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from drafter.cli.common import (
    DraftPeriodOpt,
    FactsOpt,
    JsonOpt,
    NotesOpt,
    OrgOpt,
    OutlineOpt,
    PeriodOpt,
    SectionArg,
    YearOpt,
    _desk,
    _print_facts_report,
    _print_findings,
    _settings,
    app,
    console,
    err,
)
from drafter.config import Settings
from drafter.errors import DrafterError
from drafter.session import shelf


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

        report = shelf.ingest(settings, paths, overrides={"org": org, "year": year, "period": period},
                            prune=prune, rebuild=rebuild, on_file=on_file, on_embed=on_embed)
    _print_ingest(report, settings)
    if report.usable == 0:
        err.print("[red]没有可收录的文件。[/red]请按上面的提示处理，或让 `drafter ingest` 指向存放 .txt .md .docx .pdf .html 的文件夹。")
        raise typer.Exit(1)


def _print_ingest(report, settings: Settings) -> None:
    table = Table(title=f"语料目录：{settings.catalog_path}")
    for col in ("文件", "单位", "年度", "期间", "章节数", "数字数"):
        table.add_column(col, overflow="fold")
    for d in sorted(shelf.documents(settings), key=lambda d: d.path):
        table.add_row(d.name, d.org or "—", str(d.year or "—"), d.period or "—", str(d.sections), str(d.figures))
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
    settings = _settings()
    results, failed = [], 0
    for path in files:
        try:
            results.append(shelf.inspect(settings, path, {"org": org, "year": year, "period": period}))
        except DrafterError as e:
            err.print(f"[red]{path}[/red]: {e}")
            failed += 1
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
    hits = shelf.search(_settings(), query, k, org=org, year=year, exclude_year=exclude_year, topic=topic, mode=mode)
    if as_json:
        keys = ("doc", "org", "year", "section", "text", "score")
        sys.stdout.write(json.dumps([{k: h[k] for k in keys} for h in hits], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"“{query}”的 {len(hits)} 个段落", show_lines=True)
    for col in ("#", "文件", "年度", "主题", "章节", "原文", "得分"):
        table.add_column(col, overflow="fold")
    for i, h in enumerate(hits, 1):
        table.add_row(str(i), h["doc"], str(h["year"] or "—"), h["topic"], h["section"][-30:], h["text"], f"{h['score']:.4f}")
    console.print(table)


@app.command()
def figures(
    org: OrgOpt = None,
    year: YearOpt = None,
    indicator: Annotated[Optional[str], typer.Option("--indicator", help="Part of an indicator name.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The fact ledger: figures extracted from ingested summaries, with their source sentence."""
    rows, by_meaning = shelf.figures(_settings(), org=org, year=year, indicator=indicator)
    if by_meaning and not as_json:
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
    from drafter.session.inputs import check_file

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
    from drafter.ui.app import serve

    serve(_settings(), host=host, port=port, insecure=insecure)


users_app = typer.Typer(no_args_is_help=True, help="工作台的登录用户。")
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="用户名。")],
    file: Annotated[Optional[Path], typer.Option("--file", help="用户文件（默认：DRAFTER_UI_AUTH）。")] = None,
) -> None:
    """Add a user to the sign-in file, or change their password (asked twice, never shown)."""
    from drafter.session.users import add_user

    path = file or _settings().ui_auth
    if path is None:
        raise DrafterError("请用 --file 指定用户文件，或先设置 DRAFTER_UI_AUTH。")
    password = typer.prompt("密码（至少 8 位）", hide_input=True, confirmation_prompt="再输入一次")
    add_user(path, name, password)
    console.print(f"已写入 {path}：{name}。启动工作台前设置 DRAFTER_UI_AUTH={path}。")
