"""What every command shares: the app, the consoles, option types, settings and the printers of reports."""

import os
import threading
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table

from drafter.config import Settings, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="工作总结起草（科技局及各类单位）：学习往年总结，按本年数据和笔记起草、核对、导出。")
console = Console()
err = Console(stderr=True, soft_wrap=True)

OrgOpt = Annotated[Optional[str], typer.Option("--org", help="Bureau, e.g. 示例县科学技术局.")]
YearOpt = Annotated[Optional[int], typer.Option("--year", help="Year summarised.")]
PeriodOpt = Annotated[Optional[str], typer.Option("--period", help="annual | H1 | other.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _settings() -> Settings:
    return load_settings()


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


def _generate(session, sections=None, stale: bool = False, force: bool = False, edits: str = "regenerate"):
    """Write sections; Ctrl-C stops at once: every section finished so far is already saved."""
    printer = _ProgressPrinter(session.planned())
    try:
        return session.generate(sections, stale=stale, on_event=printer, force=force, edits=edits)
    except KeyboardInterrupt:
        done = [s.heading or "开头总述" for s in session.sections() if s.version]
        err.print(f"\n[yellow]已中断。[/yellow]已完成的部分都已保存（{len(done)} 个）；"
                  f"再运行 `drafter generate {session.id}` 继续。")
        os._exit(130)  # worker threads may be waiting on the model: do not wait for them
    finally:
        printer.stop()


def _finish(session, report, out: Path | None = None, export: bool = False) -> None:
    """Warnings, the exported file (`out`, or the title's name in the workspace), findings, to-dos, failures."""
    for line in report.warnings:
        err.print(f"[yellow]提示[/yellow] {esc(line)}")
    if usage := report.usage_line():
        err.print(f"[dim]{usage}[/dim]")
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


class _ProgressPrinter:
    """Prints a line per section as it is sent, finished, repaired or failed, and, while the model is silent for
    long, every HEARTBEAT seconds what it is waiting for: a slow local model must not look hung."""

    HEARTBEAT = 30.0

    def __init__(self, planned):
        from drafter.session import Progress

        self.progress = Progress({p.spec.id: p.heading or "开头总述" for p in planned})
        self.lock, self.quiet_since = threading.Lock(), time.monotonic()
        self.stopped = threading.Event()
        threading.Thread(target=self._beat, daemon=True).start()

    def __call__(self, event) -> None:
        with self.lock:
            line = self.progress.apply(event)
            name = self.progress.headings.get(event.section, event.section)
            if event.kind == "done":
                self._say(f"[green]✓[/green] {esc(line or name)}")
            elif event.kind == "asked" and line:
                self._say(f"[dim]…[/dim] {esc(line)}")
            elif event.kind == "repair":
                self._say(f"[yellow]↻[/yellow] {esc(name)}：核对发现问题，修改一轮")
            elif event.kind == "failed":
                self._say(f"[red]✗[/red] {esc(name)}：{esc(event.text)}（保留原有文字）")

    def _say(self, line: str) -> None:
        err.print(line, markup=True, highlight=False)
        self.quiet_since = time.monotonic()

    def _beat(self) -> None:
        while not self.stopped.wait(5):
            with self.lock:
                if time.monotonic() - self.quiet_since >= self.HEARTBEAT and self.progress.running:
                    for line in self.progress.waiting():
                        self._say(f"[dim]…[/dim] {esc(line)}  ｜ {esc(self.progress.summary())}")

    def stop(self) -> None:
        self.stopped.set()


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
