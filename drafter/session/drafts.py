"""One draft's life, the only API the faces (CLI, UI) call.

`Desk` holds what a process shares (settings, the model client, the retriever, the workspace) and
creates, lists and opens drafts. `DraftSession` is one draft: its outline choices, facts (every
revision kept), notes, sections written, patched, edited, refined, restored and exported. Everything
is saved the moment it happens; a section is saved as soon as it is written.
"""

import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import yaml

from drafter.drafting import textops
from drafter.drafting.outlines import OutlineSpec, PlannedSection, load_outline, plan, title
from drafter.models import DraftInfo, Event, FactRow, Finding, Version
from drafter.numbers import patch
from drafter.numbers.checks import (
    KIND_LABELS,  # noqa: F401 — part of the session API, for the faces
    PENDING,
)
from drafter.numbers.claims import ROLES  # noqa: F401
from drafter.numbers.commitments import Commitment
from drafter.numbers.facts import FactsError, FactsInput, FactsTable, read_facts, read_notes
from drafter.numbers.keeping import unused_notes
from drafter.session.house import HouseOutline, outline_file
from drafter.session.inputs import facts_table, index_state, past_inputs, resolve_org
from drafter.session.records import FactsUpdate, GenerateReport, OpenItem, OutlineItem, SectionState, SessionError, chinese_date, merge_rows  # noqa: F401
from drafter.session.release import Release
from drafter.stores.workspace import ConflictError, Workspace, WorkspaceError  # noqa: F401

ORIGINS = {"generated": "模型生成", "offline": "离线生成", "manual": "手工修改", "chat": "对话修改", "patch": "数据更新",
           "restore": "恢复旧版"}

OnEvent = Callable[[Event], None]
MACHINE_ORIGINS = ("generated", "offline", "chat", "patch", "restore")
AUTHORED = ("generated", "offline", "chat", "manual", "restore")  # versions that change the words, not only numbers


class DraftSession(Release, HouseOutline):
    """One draft. Cheap to create: state lives in the workspace, tables are cached per facts revision."""

    def __init__(self, desk: "Desk", info: DraftInfo, notices: list[str] | None = None):  # noqa: F821 — session.desk
        self.desk, self.info, self.settings = desk, info, desk.settings
        self.notices = list(notices or [])  # what opening it said, reported with its next generate
        self.ws = desk.workspace
        self.spec: OutlineSpec = load_outline(outline_file(self.ws.path.parent, info.outline), self.settings.prompts_dir)
        self.title = title(self.spec, org=info.org, year=info.year)
        self._tables: dict[tuple, FactsTable] = {}
        self._inputs: tuple[list, list] | None = None
        self._last_plan: list[Commitment] | None = None
        self._catch_up()

    @property
    def id(self) -> int:
        return self.info.id

    # ---- outline ----
    def outline(self) -> list[OutlineItem]:
        """Every section of the outline in the draft's order, with its on/off state and numbered heading."""
        choices = dict(self.ws.outline_choices(self.id))
        order = self._order()
        enabled = {p.spec.id: p for p in self._plan(order, choices)}
        by_id = {s.id: s for s in self.spec.sections}
        return [OutlineItem(i, enabled[i].heading if i in enabled else by_id[i].heading.format(
            year=self.info.year, next_year=self.info.year + 1, org=self.info.org, half="上半年", next_half="下半年"),
            by_id[i].level, by_id[i].kind, choices.get(i, True), by_id[i].optional) for i in order]

    def set_outline(self, order: list[str] | None = None, enabled: dict[str, bool] | None = None) -> None:
        """Reorder sections (ids in the new order) and switch them on or off."""
        known = [s.id for s in self.spec.sections]
        order = list(order or self._order())
        if sorted(order) != sorted(known):
            raise SessionError(f"章节顺序应包含且只包含这些章节：{'、'.join(known)}。")
        choices = dict(self.ws.outline_choices(self.id))
        for sid, on in (enabled or {}).items():
            if sid not in known:
                raise SessionError(f"提纲中没有章节 {sid}；可用：{'、'.join(known)}。")
            choices[sid] = bool(on)
        by_id = {s.id: s for s in self.spec.sections}
        for level, sid in ((by_id[i].level, i) for i in order):
            if level == 2 and not any(by_id[p].level == 1 for p in order[:order.index(sid)]):
                raise SessionError(f"“{by_id[sid].heading}”是二级标题，不能排在第一个一级标题之前。")
        chosen = [(i, choices.get(i, True)) for i in order]
        if chosen != self.ws.outline_choices(self.id):  # `drafter draft` restates the same choices every run
            self.ws.set_outline_choices(self.id, chosen)
            self._tables.clear()

    def set_skipped(self, skip: tuple[str, ...]) -> None:
        known = {s.id for s in self.spec.sections}
        if unknown := set(skip) - known:
            raise SessionError(f"提纲 {self.spec.name} 中没有章节 {'、'.join(sorted(unknown))}；可用：{'、'.join(known)}。")
        self.set_outline(enabled={s.id: s.id not in skip for s in self.spec.sections})

    def _order(self) -> list[str]:
        saved = [sid for sid, _ in self.ws.outline_choices(self.id)]
        known = [s.id for s in self.spec.sections]
        return [i for i in saved if i in known] + [i for i in known if i not in saved]

    def _plan(self, order: list[str], choices: dict[str, bool]) -> list[PlannedSection]:
        by_id = {s.id: s for s in self.spec.sections}
        ordered = self.spec.model_copy(update={"sections": tuple(by_id[i] for i in order)})
        return plan(ordered, org=self.info.org, year=self.info.year,
                    skip=tuple(i for i in order if not choices.get(i, True)))

    def planned(self) -> list[PlannedSection]:
        """The enabled sections, numbered, in the draft's order."""
        return self._plan(self._order(), dict(self.ws.outline_choices(self.id)))

    def section(self, section_id: str) -> PlannedSection:
        found = next((p for p in self.planned() if p.spec.id == section_id), None)
        if found is None or found.spec.kind == "heading":
            ids = "、".join(f"{p.spec.id}（{p.heading or '开头总述'}）" for p in self.planned() if p.spec.kind != "heading")
            raise SessionError(f"这份稿件没有可写的章节“{section_id}”。可用：{ids}。")
        return found

    # ---- facts and notes ----
    def fact_inputs(self) -> list[dict]:
        return self.ws.facts(self.id)[1]

    def facts_rev(self) -> int:
        return self.ws.facts(self.id)[0]

    def table(self, rev: int | None = None) -> FactsTable:
        """The facts table: the writer's rows of a revision (default: the newest), ledger priors, derived values."""
        rev, rows = self.ws.facts(self.id, rev) if rev else self.ws.facts(self.id)
        notes = self.ws.notes(self.id)
        planned = self.planned()
        key = (rev, tuple(sorted((k, v) for k, v in notes.items())), tuple(p.heading for p in planned))
        if key not in self._tables:
            self._tables[key] = self._build(rows, notes, planned)
        return self._tables[key]

    def _build(self, rows: list[dict], notes: dict, planned: list[PlannedSection]) -> FactsTable:
        given = FactsInput(rows=tuple(rows), notes=notes)
        return facts_table(self.settings, planned, given, self.info.org, self.info.year, self.info.period)

    def set_facts(self, rows: list[dict], note: str = "", *, base: int | None = None) -> FactsUpdate:
        """Save a new revision of the facts (validated as a file would be) and patch the sections in place.
        `base`: the revision the rows were edited from (a grid loaded earlier); the writer's own changes are
        laid over what others saved since, and a cell both changed is a conflict."""
        from drafter.numbers.facts import validate_rows

        clean = [dict(r) for r in validate_rows(rows, "数据表")]
        with self._facts_lock():
            return self._commit_facts(clean, note, base)

    def set_fact(self, indicator: str, **fields) -> FactsUpdate:
        """Change one row (value, unit, target, next_target, prior); a new indicator is added."""
        return self.change_facts({indicator: fields}, f"修改 {indicator}")

    def change_facts(self, changes: dict[str, dict], note: str = "") -> FactsUpdate:
        """Change cells ({indicator: {column: value}}) of the newest revision; new indicators are added. Read,
        change and save are one step: a change someone saved meanwhile is kept, not undone."""
        from drafter.numbers.facts import validate_rows

        with self._facts_lock():
            rows = self.fact_inputs()
            for indicator, fields in changes.items():
                row = next((r for r in rows if r["indicator"] == indicator), None)
                if row is None:
                    row = {"indicator": indicator}
                    rows.append(row)
                row.update(fields)
            return self._commit_facts([dict(r) for r in validate_rows(rows, "数据表")], note, None)

    def _commit_facts(self, rows: list[dict], note: str, base: int | None) -> FactsUpdate:
        rev, current = self.ws.facts(self.id)
        if base is not None and base != rev and rows != current:
            rows = merge_rows(self.ws.facts(self.id, base)[1] if base else [], rows, current, rev)
        if rows == current:
            self._catch_up(locked=True)
            return FactsUpdate(rev, report=self.table().report)
        rev = self.ws.save_facts(self.id, rows, note)
        update = self._patch_all(rev)
        self.ws.set_applied(self.id, rev)
        return update

    @contextmanager
    def _facts_lock(self) -> Iterator[None]:
        from filelock import Timeout

        try:
            with self.ws.facts_lock(self.id):
                yield
        except Timeout as e:
            raise SessionError("另一处正在修改这份稿件的数据，一分钟内没有完成。请稍后重试。") from e

    def _catch_up(self, *, locked: bool = False, always: bool = False) -> None:
        """Bring every section to the newest facts when a change was saved but its patches were not (the
        process was killed in between) or a section was written from an older revision meanwhile."""
        rev = self.facts_rev()
        if not rev or (self.ws.applied(self.id) == rev and not always):
            return
        if not locked:
            with self._facts_lock():
                return self._catch_up(locked=True, always=always)
        self._patch_all(rev)
        self.ws.set_applied(self.id, rev)

    def import_facts(self, path: Path, given: FactsInput | None = None) -> FactsUpdate:
        """Facts (and notes, in a YAML file) from .yaml / .csv / .xlsx, validated like the grid."""
        given = given or read_facts(path)
        named = resolve_org(self.settings, given.org)[0] if given.org else None
        if named and named != self.info.org or given.year and given.year != self.info.year:
            raise FactsError(f"{path.name} 写的是 {given.org or ''}{given.year or ''}年，与这份稿件"
                             f"（{self.info.org}{self.info.year}年）不一致。请检查文件或换一份稿件。")
        placed = self._save_notes(given.notes) if given.notes else []
        update = self.set_facts([dict(r) for r in given.rows], f"导入 {path.name}")
        return dataclasses.replace(update, report=(*placed, *update.report))

    def import_notes(self, path: Path) -> list[str]:
        return self._save_notes(read_notes(path))

    def _save_notes(self, notes: dict[str, tuple[str, ...]]) -> list[str]:
        """Notes under any section name, stored under the section they belong to; returns where each went. A note
        that an earlier import put elsewhere (before the outline was adopted, say) moves to where it belongs now."""
        from drafter.numbers.facts import _assign_notes, note_kind

        report: list[str] = []
        self._open_parts({kind for key in notes if (kind := note_kind(key))})
        assigned = _assign_notes(notes, self.planned(), report)
        current = self.ws.notes(self.id)
        placed = {line for lines in assigned.values() for line in lines}
        for sid, lines in current.items():
            if sid not in assigned and placed & set(lines):
                self.ws.save_notes(self.id, sid, [line for line in lines if line not in placed])
        for sid, lines in assigned.items():
            if tuple(lines) != tuple(current.get(sid, ())):
                self.ws.save_notes(self.id, sid, list(lines))
        return report

    def _open_parts(self, kinds: set[str]) -> None:
        """Switch on 存在的问题 or 工作打算 when the writer gives notes for it and the outline has it off (a bureau
        whose last summary had no such part): 存在的问题 goes before 工作打算."""
        on = {p.spec.id for p in self.planned()}
        off = [s for s in self.spec.sections if s.prompt in kinds and s.id not in on]
        if not off:
            return
        order = self._order()
        plan = next((s.id for s in self.spec.sections if s.prompt == "plan"), None)
        for s in off:
            if s.prompt == "problems" and plan:
                order.remove(s.id)
                order.insert(order.index(plan), s.id)
        self.set_outline(order, {s.id: True for s in off})
        names = {"problems": "存在的问题", "plan": "工作打算"}
        self.notices.append("笔记中有" + "、".join(f"“{names[s.prompt]}”" for s in off) + "的内容，已在提纲中打开这一部分"
                            "（本局往年总结没有这一部分；不需要可在提纲中关闭）。")

    def notes(self) -> dict[str, tuple[str, ...]]:
        return self.ws.notes(self.id)

    def set_notes(self, section_id: str, lines: list[str] | str) -> None:
        """The writer's notes for one section (one line each)."""
        from drafter.numbers.facts import bounded_notes

        heading = self.section(section_id).heading or "开头总述"
        if isinstance(lines, str):
            lines = lines.splitlines()
        lines = [ln.strip() for ln in lines if ln.strip()]
        bounded_notes({heading: tuple(lines)}, "笔记")
        self.ws.save_notes(self.id, section_id, lines)

    def fact_rows(self, include_empty: bool = False) -> list[FactRow]:
        """The facts-and-sources table: every figure, its derived values, and where last year's came from;
        with include_empty also the outline's indicators still without a value (a grid is where they get one)."""
        table, latest = self.table(), self.ws.latest(self.id)
        headings = {p.spec.id: p.heading or "开头总述" for p in self.planned()}
        stated: dict[str, list[str]] = {}
        for sid, v in latest.items():
            for name in dict.fromkeys(s.indicator for s in v.spans):
                if sid in headings:
                    stated.setdefault(name, []).append(headings[sid])
        return [FactRow(f.indicator, f.unit, f.value, f.prior, f.target, f.next_target,
                        tuple((d.name, ("-" if d.value < 0 else "") + d.text + d.unit) for d in f.derived),
                        f.prior_source or "",
                        tuple(stated.get(f.indicator, ())), f.target_source or "") for f in table.facts
                if include_empty or f.value is not None or f.listed]

    # ---- patching ----
    def _patch_all(self, rev: int) -> FactsUpdate:
        new = self.table(rev)
        update = FactsUpdate(rev, report=new.report)
        patchers: dict[int, patch.Patcher] = {}
        stated = self._stated()
        for sid, version in self.ws.latest(self.id).items():
            if version.facts_rev == rev:
                continue
            if version.facts_rev not in patchers:
                patchers[version.facts_rev] = patch.Patcher(self.table(version.facts_rev or None), new)
            result = patchers[version.facts_rev].apply(version.text, stated.get(sid, set()))
            if result.changes:
                self._save_patch(sid, result, rev, new)
                update.patched[sid] = list(result.changes)
            if result.stale:
                self.ws.mark_stale(self.id, sid, "；".join(result.stale))
                update.stale[sid] = list(result.stale)
        self._mark_conflicts(new, update)
        return update

    def _mark_conflicts(self, table: FactsTable, update: FactsUpdate) -> None:
        """Sections stating a row that now contradicts another (a 净增 its total no longer moves by) need a look."""
        from drafter.numbers.claims import completion_findings
        from drafter.numbers.facts import conflicts

        found = conflicts(table.facts)
        for sid, version in self.ws.latest(self.id).items():
            reasons = [found[name] for name in dict.fromkeys(s.indicator for s in version.spans) if name in found]
            if sid in update.patched:  # numbers moved: the words bound to them (完成/未完成) may no longer hold
                reasons += [f.message for f in completion_findings(version.text, table)]
            if reasons and sid not in update.stale:
                self.ws.mark_stale(self.id, sid, "；".join(reasons))
                update.stale[sid] = reasons

    def _stated(self) -> dict[str, set[patch.Key]]:
        """Cells the newest machine-written version of each section stated."""
        machine = self.ws.latest(self.id, MACHINE_ORIGINS)
        return {sid: {(s.indicator, s.role) for s in v.spans} for sid, v in machine.items()}

    def _save_patch(self, section_id: str, result: patch.Patched, rev: int, table: FactsTable) -> Version:
        note = "；".join(f"{c.indicator}：{c.old}→{c.new}" for c in result.changes)
        findings = self.check_text(result.text, section_id, table)
        return self.ws.save(self.id, section_id, result.text, "patch", facts_rev=rev, findings=tuple(findings),
                            spans=patch.spans(result.text, table), note=note)

    # ---- writing ----
    def check_text(self, text: str, section_id: str, table: FactsTable | None = None, reference: str = ""
                   ) -> list[Finding]:
        """A section's findings, as drafting checks them, with no retriever and no model client built."""
        from drafter.numbers.checks import check_section

        past, context_values = self._past()
        return check_section(text, table or self.table(), self.planned(), section_id, past=past,
                             copy_min_chars=self.settings.copy_min_chars, context_values=context_values,
                             reference=reference)

    def engine(self, table: FactsTable | None = None, *, with_model: bool = True):
        """The drafting engine over this draft's facts (tests and benchmarks use it directly)."""
        from drafter.drafting.engine import Engine

        past, context_values = self._past()
        return Engine(self.settings, table or self.table(), self.planned(), self.title,
                      model=self.desk.model if with_model else None, retriever=self.desk.retriever, past=past,
                      context_values=context_values, self_name=self.spec.self_name)

    def _past(self) -> tuple[list, list]:
        if self._inputs is None:
            from drafter.numbers.checks import PastTexts

            past, context_values = past_inputs(self.settings, self.info.org, self.info.year)
            self._inputs = (PastTexts(past), context_values)
        return self._inputs

    def edited(self, sections: list[str] | None = None, *, stale: bool = False) -> list[SectionState]:
        """The sections a generate of these (all, the named, the stale) would rewrite whose current text is the
        writer's own: the faces ask before regenerating them."""
        wanted = self._wanted([p for p in self.planned() if p.spec.kind != "heading"], sections, stale)
        authored = self.ws.latest(self.id, AUTHORED)  # a patch of numbers does not change whose words they are
        return [s for s in self.sections() if s.id in wanted and s.id in authored
                and authored[s.id].origin in ("manual", "restore")]

    def generate(self, sections: list[str] | None = None, *, stale: bool = False,
                 on_event: OnEvent | None = None, force: bool = False,
                 edits: Literal["regenerate", "apply_facts"] = "regenerate") -> GenerateReport:
        """Write the sections (all, the named ones, or the stale ones): body sections in parallel, then
        存在问题 and the opening from the saved body, then 工作打算. Each is saved as soon as it is written.
        Refused while the index is empty or being rebuilt and last year's values are missing for that
        reason, unless `force`: a draft without 上年 and 同比 must be a choice, not an accident.
        `edits`: a section whose text is the writer's own is regenerated (its version stays in history) or only
        brought up to the current facts in place."""
        self._check_index(force)
        planned = [p for p in self.planned() if p.spec.kind != "heading"]
        wanted = self._wanted(planned, sections, stale)
        report = GenerateReport()
        if edits == "apply_facts":
            for s in self.edited(sections, stale=stale):
                wanted.discard(s.id)
                report.warnings.append(f"{s.heading or '开头总述'}：保留了你的手工修改，" + self._bring_up(s.id))
        lock = threading.Lock()

        def emit(event: Event) -> None:
            if on_event:
                with lock:
                    on_event(event)

        engine, rev = self.engine(), self.facts_rev()
        report.warnings += self.notices + ([self.desk.retrieval_warning] if engine.retriever is None
                                           and self.desk.retrieval_warning else [])
        for p in planned:
            if p.spec.id in wanted:
                emit(Event("queued", p.spec.id))
        by_code = engine.by_code()
        by_prompt = {p.spec.prompt: p for p in planned if p.spec.kind == "synthesis" and p.spec.id in wanted}
        pool = ThreadPoolExecutor(max_workers=self.settings.llm_concurrency)
        try:
            body = [p for p in planned if p.spec.kind == "body" and p.spec.id in wanted]
            self._run(pool, [(p, {}) for p in body], engine, rev, report, emit)
            self._retitled(report)
            bodies = self._bodies()
            first = [(by_prompt[k], {"bodies": bodies}) for k in ("problems", "lead") if k in by_prompt]
            self._run(pool, first, engine, rev, report, emit)
            if "plan" in by_prompt:
                problems = self._text_of("problems")
                self._run(pool, [(by_prompt["plan"], {"bodies": bodies, "problems": problems})], engine, rev,
                          report, emit)
        except BaseException:  # Ctrl-C: what is finished is saved; never wait here for a hung model call
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        if self.facts_rev() != rev:  # the facts changed while the sections were written from the older ones
            self._catch_up(always=True)
        if engine.gate.lowered_from:
            report.warnings.append(f"模型服务一次只处理 {engine.gate.limit} 个请求（同时发出的请求在排队），已改为最多同时 "
                                   f"{engine.gate.limit} 个；可把 DRAFTER_LLM_CONCURRENCY 设为 {engine.gate.limit}。")
        if engine.by_code() and not by_code:
            report.warnings.append(f"模型在前面的部分写了 {engine.invented} 个找不到来源的数字，其余部分改由程序写数字、模型只写"
                                   "文字；若是小模型，可设置 DRAFTER_LLM_PROFILE=local-small。")
        if dropped := [d for r in report.results.values() for d in r.dropped]:
            figures = [d for d in dropped if d[0].isdigit()]
            others = len(dropped) - len(figures)
            report.warnings.append("模型自己写出的数字连同所在分句已删去（数字只由程序填写）" +
                                   (f"：{'、'.join(figures)}" if figures else "") +
                                   (f"；另删去 {others} 处它自拟的标记或照抄的往年隐去内容" if others else "") + "。")
        if report.saved:  # the whole-document pass, after the sections are written
            report.warnings += [f"全文：{f.message}" for f in self.whole()]
        return report

    def _check_index(self, force: bool) -> None:
        state = index_state(self.settings)
        missing = [f.indicator for f in self.table().facts if f.value is not None and f.prior is None]
        if state and missing and not force:
            why = "语料库还是空的（先运行 drafter ingest）" if state == "empty" else "语料库正在重建（等 drafter ingest 结束）"
            raise SessionError(f"{why}，{'、'.join(missing[:3])}等指标的上年值和同比无法取得。"
                               "请稍后再生成；确要在没有上年值的情况下起草，请加 --force。")

    def _wanted(self, planned: list[PlannedSection], sections: list[str] | None, stale: bool) -> set[str]:
        ids = {p.spec.id for p in planned}
        if stale:
            return set(self.ws.stale(self.id)) & ids
        if sections:
            for sid in sections:
                self.section(sid)
            return set(sections)
        return ids

    def _run(self, pool: ThreadPoolExecutor, jobs: list, engine, rev: int, report: GenerateReport,
             emit: OnEvent) -> None:
        futures = [pool.submit(engine.write, p, on_event=emit, **kw) for p, kw in jobs]
        for future in as_completed(futures):
            result = future.result()
            report.results[result.id] = result
            if result.ok:
                version = self.ws.save(self.id, result.id, result.text, result.origin, facts_rev=rev,
                                       findings=result.findings, spans=result.spans, passages=result.passages,
                                       prompt_hash=result.prompt_hash)
                report.saved[result.id] = version
                report.warnings += [f"{self.section(result.id).heading or '开头总述'}：{f.message}"
                                    for f in unused_notes(result.text, self.table().notes.get(result.id, ()))]
                emit(Event("saved", result.id, str(version.number)))

    def _retitled(self, report: GenerateReport) -> None:
        """This year's headings the model wrote for sections headed by the bureau's evaluative line of a past year:
        taken into the outline, and said, for the writer to keep or change back."""
        headings = {r.id: r.heading for r in report.results.values()
                    if r.ok and r.heading and r.heading != self.section(r.id).title}
        if headings:
            before = {sid: self.section(sid).heading for sid in headings}
            self.rename_sections(headings, by_writer=False)
            report.warnings.append("以下标题按今年正文改写（往年的评价式标题已不合今年的内容；不合适可在提纲中改回）：" + "；".join(
                f"{before[sid]} → {self.section(sid).heading}" for sid in headings))

    def _bodies(self) -> list[dict]:
        latest = self.ws.latest(self.id)
        return [{"heading": p.heading, "text": latest[p.spec.id].text} for p in self.planned()
                if p.spec.kind == "body" and p.spec.id in latest and latest[p.spec.id].text]

    def _text_of(self, section_id: str) -> str:
        v = self.ws.latest(self.id).get(section_id)
        return v.text if v else ""

    def messages(self, section_id: str):
        """The exact messages a section's model call gets now (synthesis sections: from the saved body)."""
        return self.engine(with_model=False).messages(self.section(section_id), self._bodies(),
                                                       self._text_of("problems"))

    # ---- the writer's own changes ----
    def edit(self, section_id: str, text: str, *, base: int | None = None) -> Version:
        """Save the writer's text as a new version. `base`: the version id the writer started from."""
        self.section(section_id)
        previous = self._text_of(section_id)
        table = self.table()
        findings = self.check_text(text, section_id, table, reference=previous)
        return self.ws.save(self.id, section_id, text.strip(), "manual", facts_rev=self.facts_rev(),
                            findings=tuple(findings), spans=patch.spans(text, table), base=base)

    def refine(self, section_id: str, instruction: str = "", *, action: str | None = None, span: str | None = None,
               on_event: OnEvent | None = None, base: int | None = None) -> Version:
        """A new version through the model: the writer's instruction or a quick action (扩写, 缩写 …)."""
        section = self.section(section_id)
        actions = quick_actions(self.settings.prompts_dir)
        instruction = (instruction or "").strip() or actions.get(action or "", "")
        if not instruction:
            raise SessionError(f"请写明修改要求，或选一个快捷操作：{'、'.join(actions)}。")
        current = self.ws.latest(self.id).get(section_id)
        if current is None or not current.text:
            raise SessionError(f"“{section.heading or '开头总述'}”还没有正文，请先生成。")
        history = self.ws.chat(self.id, section_id)
        self.ws.add_chat(self.id, section_id, "user", instruction + (f"（只改：{span}）" if span else ""))
        result = self.engine().refine(section, current.text, instruction, span=span,
                                       history=[t for t in history if t["role"] in ("user", "assistant")],
                                       on_event=on_event)
        if not result.ok:
            self.ws.add_chat(self.id, section_id, "error", result.error or "")
            raise SessionError(f"{result.error}（原文未改动）")
        if result.text.strip() == current.text.strip():
            self.ws.add_chat(self.id, section_id, "error", "改写结果与现有正文相同，没有保存新版本。")
            raise SessionError("改写结果与现有正文完全相同，没有保存新版本。可换一种说法再试。")
        version = self.ws.save(self.id, section_id, result.text, "chat", facts_rev=self.facts_rev(),
                               findings=result.findings, spans=result.spans, prompt_hash=result.prompt_hash,
                               note=instruction, base=base if base is not None else current.id)
        self.ws.add_chat(self.id, section_id, "assistant", result.text, version.id)
        return version

    def _bring_up(self, section_id: str) -> str:
        """Apply the current facts to a section in place; what was done, in words."""
        try:
            version = self.tidy(section_id, "apply_facts")
        except SessionError as e:
            return str(e)
        return f"数字已按最新数据更新（第{version.number}版）。"

    def tidy(self, section_id: str, action: str) -> Version:
        """Changes that need no model: apply_facts (current numbers), renumber (一是/二是), strip_hints (参考表述)."""
        self.section(section_id)
        current = self.ws.latest(self.id).get(section_id)
        if current is None:
            raise SessionError("这一部分还没有正文，请先生成。")
        if action == "apply_facts":
            table = self.table()
            result = patch.patch(current.text, self.table(current.facts_rev or None), table,
                                 self._stated().get(section_id, set()))
            if result.stale:
                self.ws.mark_stale(self.id, section_id, "；".join(result.stale))
            if not result.changes:
                raise SessionError("正文中的数字已是最新数据，无需更新。" if not result.stale else
                                   "有数字无法就地更新：" + "；".join(result.stale))
            return self._save_patch(section_id, result, self.facts_rev(), table)
        if action not in TIDY:
            raise SessionError(f"不认识的操作 {action}；可用：apply_facts（套用最新数据）、renumber（重新编号）、"
                               "strip_hints（删除参考表述）。")
        text = TIDY[action](current.text)
        if text == current.text:
            raise SessionError("没有需要改动的地方。")
        return self.edit(section_id, text)

    # ---- history ----
    def history(self, section_id: str) -> list[Version]:
        self.section(section_id)
        return self.ws.history(self.id, section_id)

    def version(self, section_id: str, number: int) -> Version:
        versions = self.history(section_id)
        if not 1 <= number <= len(versions):
            raise SessionError(f"这一部分只有 {len(versions)} 个版本（1–{len(versions)}），没有第 {number} 版。")
        return versions[number - 1]

    def diff(self, section_id: str, a: int, b: int) -> list[tuple[str, str]]:
        return textops.diff(self.version(section_id, a).text, self.version(section_id, b).text)

    def restore(self, section_id: str, number: int) -> Version:
        """A new version with an older text, its numbers brought up to the current facts where that is safe."""
        old = self.version(section_id, number)
        table = self.table()
        result = patch.patch(old.text, self.table(old.facts_rev or None), table, set())
        note = f"恢复第{number}版" + ("；数字已按最新数据更新" if result.changes else "")
        if result.stale:
            self.ws.mark_stale(self.id, section_id, "；".join(result.stale))
        findings = self.check_text(result.text, section_id, table)
        return self.ws.save(self.id, section_id, result.text, "restore", facts_rev=self.facts_rev(),
                            findings=tuple(findings), spans=patch.spans(result.text, table), note=note)

    # ---- reading the draft ----
    def sections(self) -> list[SectionState]:
        latest, stale = self.ws.latest(self.id), self.ws.stale(self.id)
        return [SectionState(p.spec.id, p.heading, p.spec.level, p.spec.kind, latest.get(p.spec.id),
                             stale.get(p.spec.id)) for p in self.planned()]

    def todo(self) -> list[tuple[str, str]]:
        """What the writer still has to supply, in one list: every 【待核实】/【待补充】 marker by section."""
        return [(s.heading or "开头总述", m.group(0)) for s in self.sections() if s.version
                for m in PENDING.finditer(s.version.text)]

    def chat(self, section_id: str) -> list[dict]:
        return self.ws.chat(self.id, section_id)

    def check(self) -> list[tuple[str, Finding]]:
        """Findings on every section's current text, and on the outline of the whole document."""
        from drafter.numbers.checks import outline_findings
        from drafter.numbers.form import form_findings

        table = self.table()
        out = [(s.id, f) for s in self.sections() if s.version for f in self.check_text(s.version.text, s.id, table)]
        text = self.markdown()
        whole = outline_findings(text, self.planned()) + form_findings(text) + self._unanswered(text) + self.whole()
        return out + [("", f) for f in whole]


TIDY = {"renumber": textops.renumber, "strip_hints": textops.strip_hints}


def quick_actions(prompts_dir: Path) -> dict[str, str]:
    """扩写 / 缩写 / 润色 / 更正式 / 补充数据 → the instruction sent (prompts/actions.yaml)."""
    path = prompts_dir / "actions.yaml"
    return yaml.safe_load(path.read_text("utf-8")) if path.exists() else {}
