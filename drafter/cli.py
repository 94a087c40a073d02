"""Command line: thin wrappers around library calls; user errors print without a traceback."""

import json
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
    from drafter.retrieve import Retriever

    if mode not in ("hybrid", "dense", "lexical"):
        raise DrafterError(f"--mode must be hybrid, dense or lexical, not '{mode}'")
    hits = Retriever(_settings()).search(query, k, org=org, year_from=year, year_to=year, exclude_year=exclude_year,
                                         topic=topic, mode=mode)
    if as_json:
        out = [{"doc": h.doc, "org": h.org, "year": h.year, "section": h.section, "text": h.text, "score": h.score}
               for h in hits]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(hits)} passages for “{query}”", show_lines=True)
    for col in ("#", "doc", "year", "topic", "section", "text", "score"):
        table.add_column(col, overflow="fold")
    for i, h in enumerate(hits, 1):
        table.add_row(str(i), h.doc, str(h.year or "—"), h.topic, h.section[-30:], h.text, f"{h.score:.4f}")
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

FactsOpt = Annotated[Optional[Path], typer.Option("--facts", help="This year's figures: .yaml or .csv (see corpus/facts/).")]
NotesOpt = Annotated[Optional[Path], typer.Option("--notes", help="Notes per section: .yaml, or .md/.txt with `# 章节` headings.")]
OutlineOpt = Annotated[Optional[str], typer.Option("--outline", help="Outline name in prompts/outlines, or a .yaml path.")]
DraftPeriodOpt = Annotated[Optional[str], typer.Option("--period", help="annual | h1.")]
SkipOpt = Annotated[Optional[list[str]], typer.Option("--skip", help="Leave out a section by id (repeatable), e.g. party.")]


@app.command()
def draft(
    org: OrgOpt = None,
    year: YearOpt = None,
    period: DraftPeriodOpt = None,
    facts: FactsOpt = None,
    notes: NotesOpt = None,
    outline: OutlineOpt = None,
    skip: SkipOpt = None,
    out: Annotated[Optional[Path], typer.Option("-o", "--out", help="OUT.md or OUT.docx (default: the workspace folder).")] = None,
) -> None:
    """Draft the whole summary under the outline: facts table, every section, checks, number guard."""
    from drafter.draft import Chain, setup
    from drafter.export import export
    from drafter.llm import chat_model, describe
    from drafter.workspace import Workspace

    settings = _settings()
    s = setup(settings, org=org, year=year, period=period, facts=facts, notes=notes, outline=outline,
              skip=tuple(skip or ()))
    _print_facts_report(s.table)
    retriever = _retriever(settings)
    workspace = Workspace(settings.workspace)
    try:
        draft_id = workspace.draft_id(s.table.org, s.table.year, s.table.period, s.spec.name)
        chain = Chain(settings, s.spec, s.table, s.planned, model=chat_model(settings), retriever=retriever,
                      past=s.past, context_values=s.context_values, previous=workspace.latest(draft_id))
        err.print(f"backend: {describe(settings)}")
        result = chain.run(_progress_printer(s.planned))
        for section in result.sections.values():
            if section.status == "ok":
                workspace.save(draft_id, section.id, section.text, section.source,
                               [f.to_json() for f in section.findings])
    finally:
        workspace.close()
    path = export(result, out or settings.workspace / f"{result.title}.md")
    _print_findings([(sec.heading, f) for sec in result.sections.values() for f in sec.findings])
    for sec in result.sections.values():
        if sec.replaced:
            err.print(f"[yellow]{sec.heading or '开头总述'}[/yellow]: numbers without a source were replaced by "
                      f"【待核实】: {'、'.join(sec.replaced)}")
    console.print(f"written: {path}")
    if result.failed:
        err.print(f"[red]{len(result.failed)} section(s) failed[/red] and kept their previous text: "
                  + "、".join(sec.heading or "开头总述" for sec in result.failed) + ". Run `drafter draft` again to retry.")
        raise typer.Exit(1)


def _retriever(settings: Settings):
    """Past phrasing for the prompts; drafting goes on without it when nothing is indexed yet."""
    from drafter.retrieve import Retriever

    try:
        return Retriever(settings)
    except DrafterError as e:
        err.print(f"[yellow]No past phrasing:[/yellow] {e}")
        return None


def _progress_printer(planned):
    headings = {p.spec.id: p.heading or "开头总述" for p in planned}

    def on_event(event) -> None:
        name = headings.get(event.section, event.section)
        if event.kind == "done":
            err.print(f"[green]✓[/green] {name}  {len(event.text)}字", markup=True)
        elif event.kind == "repair":
            err.print(f"[yellow]↻[/yellow] {name}: 核对发现问题，修改一轮")
        elif event.kind == "failed":
            err.print(f"[red]✗[/red] {name}: {event.text}（保留原有文字）")
    return on_event


def _print_facts_report(table) -> None:
    for line in table.report:
        err.print(f"[dim]facts[/dim] {line}")


def _print_findings(items: list) -> None:
    if not items:
        console.print("checks: no findings")
        return
    t = Table(title=f"{len(items)} findings")
    for col in ("section", "kind", "text", "message"):
        t.add_column(col, overflow="fold")
    for heading, f in items:
        t.add_row(heading or "—", f.kind, f.text[:40], f.message)
    console.print(t)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="A draft or any summary: .md .txt .docx.")],
    facts: FactsOpt = None,
    notes: NotesOpt = None,
    org: OrgOpt = None,
    year: YearOpt = None,
    period: DraftPeriodOpt = None,
    outline: OutlineOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a text against the facts table: unsourced numbers, placeholders, copied text, outline."""
    from drafter import checks
    from drafter.corpus import decode, extract_text, read_bytes
    from drafter.draft import setup
    from drafter.meta import infer_meta

    settings = _settings()
    data = read_bytes(file, settings.max_file_mb)
    # offsets point into the file itself for text files, into the extracted text for .docx/.pdf/.html
    plain = extract_text(file, data)
    text = decode(data) if file.suffix.lower() in (".md", ".txt") else plain
    if not (org and year) and not facts:
        meta, _ = infer_meta(plain, [], {}, file)
        org, year = org or meta.org, year or meta.year
        period = period or ("h1" if meta.period == "H1" else None)
    s = setup(settings, org=org, year=year, period=period, facts=facts, notes=notes, outline=outline)
    found = checks.check(text, s.table, planned=s.planned, past=s.past, copy_min_chars=settings.copy_min_chars,
                         context_values=s.context_values)
    if as_json:
        sys.stdout.write(json.dumps([f.to_json() for f in found], ensure_ascii=False, indent=2) + "\n")
        return
    _print_facts_report(s.table)
    _print_findings([("", f) for f in found])


prompts_app = typer.Typer(no_args_is_help=True, help="The prompts drafter sends.")
app.add_typer(prompts_app, name="prompts")


@prompts_app.command("show")
def prompts_show(
    section: Annotated[str, typer.Argument(help="Section id, e.g. enterprises, problems, plan, lead.")],
    org: OrgOpt = None,
    year: YearOpt = None,
    period: DraftPeriodOpt = None,
    facts: FactsOpt = None,
    notes: NotesOpt = None,
    outline: OutlineOpt = None,
) -> None:
    """Print the exact messages a section's model call gets (synthesis sections use the latest drafted body)."""
    from drafter.draft import Chain, setup
    from drafter.workspace import Workspace

    settings = _settings()
    s = setup(settings, org=org, year=year, period=period, facts=facts, notes=notes, outline=outline)
    chosen = next((p for p in s.planned if p.spec.id == section), None)
    if chosen is None or chosen.spec.kind == "heading":
        ids = ", ".join(p.spec.id for p in s.planned if p.spec.kind != "heading")
        raise DrafterError(f"No section '{section}' to prompt for; sections: {ids}.")
    workspace = Workspace(settings.workspace)
    try:
        previous = workspace.latest(workspace.draft_id(s.table.org, s.table.year, s.table.period, s.spec.name))
    finally:
        workspace.close()
    retriever = _retriever(settings)
    chain = Chain(settings, s.spec, s.table, s.planned, retriever=retriever, previous=previous)
    bodies = [{"heading": p.heading, "text": previous[p.spec.id]} for p in s.planned
              if p.spec.kind == "body" and previous.get(p.spec.id)]
    for m in chain.messages(chosen, bodies):  # plain stdout: the exact text, never re-wrapped
        sys.stdout.write(f"===== {m.type} · {len(m.content)} chars =====\n{m.content}\n")


def main() -> None:
    """Entry point: run the app, printing DrafterErrors as one line without a traceback."""
    try:
        app()
    except DrafterError as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
