"""Command line: thin wrappers around library calls; user errors print without a traceback."""

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
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
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("", total=None)

        def on_file(path: Path, i: int, total: int) -> None:
            progress.update(task, total=total, completed=i, description=path.name)

        report = run_ingest(settings, paths, overrides={"org": org, "year": year, "period": period},
                            prune=prune, rebuild=rebuild, on_file=on_file)
        progress.update(task, completed=progress.tasks[0].total or 0)
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


def main() -> None:
    """Entry point: run the app, printing DrafterErrors as one line without a traceback."""
    try:
        app()
    except DrafterError as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
