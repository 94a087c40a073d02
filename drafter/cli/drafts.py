"""Command line, step by step on one draft: new, drafts, facts, notes, outline, generate, edit, refine,
tidy, history, diff, restore, export. Thin wrappers around the session API."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from drafter.cli.common import (
    DraftId,
    DraftPeriodOpt,
    FactsOpt,
    ForceOpt,
    NotesOpt,
    OrgOpt,
    OutlineOpt,
    SectionArg,
    SkipOpt,
    YearOpt,
    _desk,
    _finish,
    _generate,
    _print_facts_report,
    _print_findings,
    _ProgressPrinter,
    app,
    console,
    err,
)
from drafter.errors import DrafterError


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


KeepEditsOpt = Annotated[bool, typer.Option("--keep-edits", help="有手工修改的章节不重写，只把数字更新为最新数据。")]
OverwriteEditsOpt = Annotated[bool, typer.Option("--overwrite-edits", help="有手工修改的章节也重写（旧版本留在历史中）。")]


def _edits_choice(session, sections, stale: bool, keep: bool, overwrite: bool) -> str:
    """The writer's choice for sections whose text is their own; without one, say which and stop."""
    mine = session.edited(sections, stale=stale)
    if mine and not (keep or overwrite):
        err.print("[yellow]这些章节有你的手工修改[/yellow]：" + "、".join(s.heading or "开头总述" for s in mine))
        err.print("重新生成会换掉这些文字。请选择：--keep-edits（保留修改，只更新数字）或 --overwrite-edits"
                  f"（重写；旧版本留在历史中，可用 drafter restore {session.id} 章节 版本号 恢复）。")
        raise typer.Exit(2)
    return "apply_facts" if keep else "regenerate"


facts_app = typer.Typer(no_args_is_help=True, help="稿件的本年数据（每次修改都保留）。")
app.add_typer(facts_app, name="facts")


@facts_app.command("set")
def facts_set(
    draft_id: DraftId,
    pairs: Annotated[list[str], typer.Argument(help="指标=数值，如 高新技术企业总数=105；也可 指标.target=110。")],
) -> None:
    """Change values; numbers in the sections are patched in place."""
    changes: dict[str, dict] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise DrafterError(f"“{pair}”应写成 指标=数值，例如 高新技术企业总数=105。")
        indicator, _, column = name.strip().partition(".")
        changes.setdefault(indicator, {})[column or "value"] = value.strip()
    session = _desk().open(draft_id)
    _print_update(session, session.change_facts(changes, "命令行修改"))


@facts_app.command("import")
def facts_import(draft_id: DraftId, file: Annotated[Path, typer.Argument(help=".yaml / .csv / .xlsx")]) -> None:
    """Replace the facts with a file's (notes in a YAML file too); sections are patched in place."""
    session = _desk().open(draft_id)
    _print_update(session, session.import_facts(file))


@facts_app.command("show")
def facts_show(draft_id: DraftId) -> None:
    """The facts table: this year, last year (and where it came from), targets (those of last year's plan
    marked), derived values."""
    rows = _desk().open(draft_id).fact_rows(include_empty=True)  # the rows still to fill, too
    table = Table(title="数据表")
    for col in ("指标", "本年", "上年", "目标", "推算", "上年值来源"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.indicator, _cell(r.value, r.unit), _cell(r.prior, r.unit),
                      _cell(r.target, r.unit) + ("（去年打算）" if r.target_source else ""),
                      "；".join(f"{n} {t}" for n, t in r.derived), r.prior_source[:40])
    console.print(table)


def _pair(text: str) -> tuple[str, str]:
    sid, sep, value = text.partition("=")
    if not sep or not sid.strip() or not value.strip():
        raise typer.BadParameter(f"“{text}”应写成 章节id=新标题，如 enterprises=聚焦企业培育，创新主体量质齐升。")
    return sid.strip(), value.strip()


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
    heading: Annotated[Optional[list[str]], typer.Option("--heading", help="改标题：章节id=新标题（可重复）。")] = None,
    from_past: Annotated[bool, typer.Option("--from-past", help="列出本局最近一份同类总结的提纲与本稿的对应。")] = False,
    adopt: Annotated[bool, typer.Option("--adopt", help="采用本局往年提纲：标题、顺序照往年，往年没有的章节关闭。")] = False,
) -> None:
    """Review the outline: switch sections on or off, reorder them, rename them, or take the bureau's own outline
    from its most recent summary of the same period (--from-past shows it, --adopt takes it)."""
    session = _desk().open(draft_id)
    renamed = dict(_pair(h) for h in heading or ())
    if from_past or adopt:
        source, proposals = session.proposed_outline()
        console.print(f"本局往年提纲（{source}）：", markup=False)
        for p in proposals:
            target = f"{p.section}（本局自有章节）" if p.own else p.section
            note = "  ← 评价式标题，宜按今年情况改写（--heading）" if p.evaluative else ""
            console.print(f"  {'  ' * (p.level - 1)}{p.past}  →  {target}{note}", markup=False, soft_wrap=True)
    if adopt:
        session.adopt_outline(renamed)
        console.print("已采用本局往年提纲。", markup=False)
        for notice in (n for n in session.notices if "提法" in n):
            console.print(notice, markup=False, soft_wrap=True)
    elif renamed:
        session.rename_sections(renamed)
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
    force: ForceOpt = False,
    keep_edits: KeepEditsOpt = False,
    overwrite_edits: OverwriteEditsOpt = False,
) -> None:
    """Write the draft's sections; each is saved the moment it is finished. Sections with the writer's own text
    are not rewritten without --keep-edits or --overwrite-edits."""
    desk = _desk()
    session = desk.open(draft_id)
    edits = _edits_choice(session, section or None, stale, keep_edits, overwrite_edits)
    err.print(f"模型：{desk.backend()}")
    report = _generate(session, section or None, stale, force, edits=edits)
    if stale and not report.results:
        console.print("没有需要重新生成的章节。")
    _finish(session, report)


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
    printer = _ProgressPrinter(session.planned())
    try:
        version = session.refine(section, "" if is_action else instruction, action=instruction if is_action else None,
                                 span=span, on_event=printer)
    finally:
        printer.stop()
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
    signature: Annotated[Optional[str], typer.Option("--signature", help="发文机关署名（默认：单位名称），随稿件保存。")] = None,
    when: Annotated[Optional[str], typer.Option("--date", help="成文日期，如 2025年1月10日（默认：所总结期间的最后一天），随稿件保存。")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="稿中还有未处理的问题时不导出，退出码为 1。")] = False,
) -> None:
    """Export the draft: first what is still open in it, by section; then the file."""
    session = _desk(offline_model=True).open(draft_id)
    if signature or when:
        session.set_signing(signature, when)
    items = session.open_items()
    if items:
        err.print(f"[yellow]导出前请注意：稿中还有 {len(items)} 处未处理[/yellow]（Word 文件不带参考表述和框架文字）：")
        for item in items:
            err.print(f"  {item.heading}｜{item.label}｜{item.text[:60]}", markup=False)
        if strict:
            err.print("未导出（--strict）。处理后再导出，或去掉 --strict。")
            raise typer.Exit(1)
    console.print(f"已写出：{session.export(out)}　署名：{'，'.join(session.signing())}")


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
    keep_edits: KeepEditsOpt = False,
    overwrite_edits: OverwriteEditsOpt = False,
) -> None:
    """One shot: the bureau's default draft with these facts and notes, every section written, then exported."""
    desk = _desk()
    session = desk.quick(org=org, year=year, period=period, facts=facts, notes=notes, outline=outline,
                         skip=tuple(skip or ()))
    _print_facts_report(session.table().report)
    edits = _edits_choice(session, None, False, keep_edits, overwrite_edits)
    err.print(f"稿件 {session.id}：{session.info.name}　模型：{desk.backend()}")
    report = _generate(session, force=force, edits=edits)
    _finish(session, report, out, export=True)


@app.command("plan")
def last_plan(draft_id: DraftId) -> None:
    """Last year's plan as this year's checklist: each item of last year's 工作打算 and whether the draft answers it."""
    session = _desk(offline_model=True).open(draft_id)
    items = session.last_plan()
    if not items:
        console.print(f"语料库中没有{session.info.org}{session.info.year - 1}年的年度总结，无法列出去年的工作打算。")
        return
    table = Table(title=f"{session.info.year - 1}年计划 → {session.info.year}年落实情况")
    for col in ("领域", "去年的打算", "稿中"):
        table.add_column(col, overflow="fold")
    for item, done in items:
        table.add_row(item.area, item.text, "已写到" if done else "[yellow]未写到[/yellow]")
    console.print(table)
    err.print(f"{sum(not done for _, done in items)} 项尚未写到；`drafter check` 也会列出。")
