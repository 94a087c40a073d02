"""The drafting chain: body sections in parallel, then the synthesis sections from the finished body.

Each section: exemplars retrieved → prompt rendered → model streamed (or the offline skeleton) →
checks → one repair round when a number has no source → numbers still without a source replaced by
【待核实：…】. A section that fails keeps its previous text; the others go on.
"""

import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from drafter import checks, context, skeleton
from drafter.checks import Finding
from drafter.config import Settings
from drafter.errors import DrafterError
from drafter.facts import FactsTable
from drafter.llm import ModelError, stream
from drafter.prompts import render
from drafter.spec import OutlineSpec, PlannedSection, title

EventKind = Literal["started", "delta", "repair", "done", "failed"]
REPAIR_KINDS = {"unverified_number", "inconsistent_prior", "copied_text", "placeholder", "target_as_actual",
                "context_as_local"}
REPLACE_KINDS = {"unverified_number", "inconsistent_prior"}


@dataclass(frozen=True)
class Event:
    """What the chain reports while it runs: a section started, a text delta, a repair round, done, failed."""

    kind: EventKind
    section: str
    text: str = ""  # the delta; the final text when done; the reason when failed
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class SectionDraft:
    id: str
    heading: str
    level: int
    text: str
    status: Literal["ok", "failed", "heading"]
    source: Literal["model", "offline", "previous", "none"]
    findings: tuple[Finding, ...] = ()
    replaced: tuple[str, ...] = ()  # numbers the guard replaced by 【待核实：…】
    error: str | None = None
    prompt_chars: int = 0
    seconds: float = 0.0


@dataclass
class Draft:
    title: str
    table: FactsTable
    planned: list[PlannedSection]
    sections: dict[str, SectionDraft] = field(default_factory=dict)

    def markdown(self) -> str:
        """The draft as Markdown: # title, ## 一、, ### （一）, paragraphs separated by blank lines."""
        out = [f"# {self.title}", ""]
        for p in self.planned:
            s = self.sections.get(p.spec.id)
            if p.spec.level:
                out += ["#" * (p.spec.level + 1) + " " + p.heading, ""]
            if s and s.text:
                out += [s.text, ""]
        return "\n".join(out).rstrip() + "\n"

    @property
    def failed(self) -> list[SectionDraft]:
        return [s for s in self.sections.values() if s.status == "failed"]


class Chain:
    """Writes every section of one draft. Dependencies are injected: tests pass fakes, the CLI passes nothing."""

    def __init__(self, settings: Settings, spec: OutlineSpec, table: FactsTable, planned: list[PlannedSection], *,
                 model: BaseChatModel | None = None, retriever=None, past: list[tuple[str, str]] | None = None,
                 context_values: list[dict] | None = None, previous: dict[str, str] | None = None):
        self.settings, self.spec, self.table, self.planned = settings, spec, table, planned
        self.model, self.retriever = model, retriever
        self.past, self.context_values = past or [], context_values or []
        self.previous = previous or {}
        self.title = title(spec, org=table.org, year=table.year)
        self._exemplars: dict[str, list[context.Exemplar]] = {}
        self._draft: Draft | None = None  # the draft being written, while run() is on
        self._lock = threading.Lock()

    # ---- prompts ----
    def exemplars(self, section: PlannedSection) -> list[context.Exemplar]:
        if section.spec.id not in self._exemplars:
            found = context.search_exemplars(self.retriever, section, self.table)
            with self._lock:
                self._exemplars[section.spec.id] = found
        return self._exemplars[section.spec.id]

    def messages(self, section: PlannedSection, bodies: list[dict] | None = None) -> list[BaseMessage]:
        """The exact messages sent to the model for a section (bodies: the finished body sections)."""
        system = render(self.settings.prompts_dir, "system", org=self.table.org, title=self.title)
        user = render(self.settings.prompts_dir, section.spec.prompt, **self.variables(section, bodies or []))
        return [SystemMessage(system), HumanMessage(user)]

    def variables(self, section: PlannedSection, bodies: list[dict]) -> dict:
        t, spec, budget = self.table, section.spec, self.settings.prompt_budget_chars
        notes = list(t.notes.get(spec.id, ()))
        common = {"guidance": spec.guidance, "length": spec.length, "notes": notes}
        if spec.prompt != "lead":
            common |= {"heading": section.heading, "points": spec.points}
        if spec.prompt == "body":
            facts, missing = context.section_facts(section, t)
            parent = next((p.heading for p in self.planned if p.spec.id == section.parent), "")
            return common | {"parent_heading": parent, "facts": facts, "missing": missing,
                             "exemplars": context.within_budget(facts + missing + notes, self.exemplars(section), budget)}
        if spec.prompt in ("lead", "problems"):  # written from the finished body and the table's key rows
            body = context.fit_bodies(bodies, budget // 2)
            key, rows = ("headline", context.headline(t, self.planned)) if spec.prompt == "lead" else \
                ("shortfalls", context.shortfalls(t))
            fixed = notes + rows + [b["text"] for b in body]
            return common | {key: rows, "body": body,
                             "exemplars": context.within_budget(fixed, self.exemplars(section), budget)}
        targets = context.targets(t)
        problems = self._text("problems")
        fixed = notes + targets + [problems]
        return common | {"targets": targets, "next_period": context.next_period(t), "problems": problems,
                         "body": [{"heading": b["heading"]} for b in bodies],
                         "exemplars": context.within_budget(fixed, self.exemplars(section), budget)}

    # ---- running ----
    def run(self, on_event: Callable[[Event], None] | None = None) -> Draft:
        """Write all sections; events reach `on_event` one at a time (from worker threads)."""
        draft = Draft(self.title, self.table, self.planned)
        self._draft = draft
        emit_lock = threading.Lock()

        def emit(event: Event) -> None:
            if on_event:
                with emit_lock:
                    on_event(event)

        for p in self.planned:
            if p.spec.kind == "heading":
                draft.sections[p.spec.id] = SectionDraft(p.spec.id, p.heading, p.spec.level, "", "heading", "none")
        body = [p for p in self.planned if p.spec.kind == "body"]
        synthesis = {p.spec.prompt: p for p in self.planned if p.spec.kind == "synthesis"}
        with ThreadPoolExecutor(max_workers=self.settings.llm_concurrency) as pool:
            for future in [pool.submit(self._write, p, emit) for p in body]:
                self._store(future.result())
            first = [pool.submit(self._write, synthesis[k], emit) for k in ("problems", "lead") if k in synthesis]
            for future in first:
                self._store(future.result())
            if "plan" in synthesis:
                self._store(self._write(synthesis["plan"], emit))
        draft.sections = {p.spec.id: draft.sections[p.spec.id] for p in self.planned if p.spec.id in draft.sections}
        return draft

    def _store(self, result: SectionDraft) -> None:
        with self._lock:
            self._draft.sections[result.id] = result

    def _text(self, section_id: str) -> str:
        s = self._draft and self._draft.sections.get(section_id)
        return s.text if s else self.previous.get(section_id, "")

    def _bodies(self) -> list[dict]:
        return [{"heading": p.heading, "text": self._text(p.spec.id)} for p in self.planned
                if p.spec.kind == "body" and self._text(p.spec.id)]

    def _write(self, section: PlannedSection, emit: Callable[[Event], None]) -> SectionDraft:
        started = time.perf_counter()
        sid = section.spec.id
        emit(Event("started", sid))
        bodies = self._bodies() if section.spec.kind == "synthesis" else []
        try:
            if self.model is None:
                text, chars = self._offline(section), 0
                emit(Event("delta", sid, text))
            else:
                messages = self.messages(section, bodies)
                chars = sum(len(m.content) for m in messages)
                text = clean(stream(self.model, messages, lambda d: emit(Event("delta", sid, d))), section)
                if not text:
                    raise ModelError("模型返回了空内容。")
            text, findings, replaced = self._guard(section, text, emit)
        except ModelError as e:
            emit(Event("failed", sid, str(e)))
            kept = self.previous.get(sid, "")
            return SectionDraft(sid, section.heading, section.spec.level, kept, "failed",
                                "previous" if kept else "none", error=str(e), seconds=time.perf_counter() - started)
        emit(Event("done", sid, text, findings))
        return SectionDraft(sid, section.heading, section.spec.level, text, "ok",
                            "model" if self.model else "offline", findings, replaced, None, chars,
                            time.perf_counter() - started)

    def _offline(self, section: PlannedSection) -> str:
        exemplars = self.exemplars(section)
        if section.spec.prompt == "body":
            return skeleton.body(section, self.table, exemplars)
        if section.spec.prompt == "lead":
            return skeleton.lead(self.table, self.planned)
        if section.spec.prompt == "problems":
            return skeleton.problems(section, self.table, exemplars)
        return skeleton.plan(section, self.table, self.planned, exemplars)

    def check(self, text: str) -> list[Finding]:
        return checks.check(text, self.table, past=self.past, copy_min_chars=self.settings.copy_min_chars,
                            context_values=self.context_values)

    def _guard(self, section: PlannedSection, text: str, emit) -> tuple[str, tuple[Finding, ...], tuple[str, ...]]:
        """Check; one repair round by the model when something is wrong; unsourced numbers replaced."""
        findings = self.check(text)
        wrong = [f for f in findings if f.kind in REPAIR_KINDS]
        if wrong and self.model is not None:
            emit(Event("repair", section.spec.id, "；".join(f.message for f in wrong)))
            try:
                repaired = clean(stream(self.model, self._repair_messages(section, text, wrong)), section)
            except ModelError:
                repaired = ""  # the first text stays; its numbers are still guarded below
            if repaired:
                again = self.check(repaired)
                if sum(f.kind in REPAIR_KINDS for f in again) <= len(wrong):
                    text, findings = repaired, again
        replaced = [f for f in findings if f.kind in REPLACE_KINDS]
        for f in sorted(replaced, key=lambda f: -f.start):
            text = text[:f.start] + f"【待核实：{f.text}】" + text[f.end:]
        if replaced:
            findings = self.check(text)
        return text, tuple(findings), tuple(f.text for f in replaced)

    def _repair_messages(self, section: PlannedSection, text: str, wrong: list[Finding]) -> list[BaseMessage]:
        facts = [context.fact_line(f, self.table, with_next=True) for f in self.table.facts
                 if f.value is not None or f.listed]
        user = render(self.settings.prompts_dir, "repair", heading=section.heading, text=text,
                      findings=[f"“{f.text}”：{f.message}{f.suggestion}" for f in wrong], facts=facts,
                      notes=list(self.table.notes.get(section.spec.id, ())))
        system = render(self.settings.prompts_dir, "system", org=self.table.org, title=self.title)
        return [SystemMessage(system), HumanMessage(user)]


def iter_events(chain: Chain) -> Iterator[Event | Draft]:
    """The chain as an iterator: events as they happen, then the finished Draft."""
    queue: Queue = Queue()
    done = object()

    def work() -> None:
        try:
            queue.put(chain.run(queue.put))
        except BaseException as e:  # handed to the consumer's thread, which re-raises it
            queue.put(e)
        queue.put(done)

    threading.Thread(target=work, daemon=True).start()
    while (item := queue.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


_FENCE = re.compile(r"^```\w*\s*$", re.M)
_PREFACE = re.compile(r"^(?:好的|以下是|下面是|根据您?提供)[^\n]{0,60}[：:]\s*\n")


def clean(raw: str, section: PlannedSection) -> str:
    """Model output as section text: no code fences, no echoed heading, no preface, no Markdown marks."""
    text = _FENCE.sub("", raw).strip()
    text = _PREFACE.sub("", text).strip()
    lines = text.split("\n")
    while lines and _is_heading_echo(lines[0], section):
        lines.pop(0)
    text = "\n".join(line.rstrip() for line in lines)
    text = re.sub(r"\*\*([^*\n]+)\*\*", r"\1", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _is_heading_echo(line: str, section: PlannedSection) -> bool:
    bare = re.sub(r"^[#\s]+", "", line).strip().rstrip("：:")
    return bool(bare) and (bare in (section.heading, section.title) or (line.startswith("#") and len(bare) < 40))


def past_texts(ledger, org: str, year: int) -> list[tuple[str, str]]:
    """(file name, text) of every past summary, except this bureau's own document of the draft year."""
    return [(Path(r["path"]).name, r["text"]) for r in ledger.document_texts()
            if not (r["org"] == org and r["year"] == year)]


def context_figures(ledger, org: str) -> list[dict]:
    """Comparison figures (全省共4家) stated in the bureau's past summaries: never local numbers."""
    return [f for f in ledger.figures(org=org) if f["scope"] == "context" and f["org"] == org]


@dataclass(frozen=True)
class Setup:
    """Everything a draft or a check of one (org, year, period) works from."""

    spec: OutlineSpec
    planned: list[PlannedSection]
    table: FactsTable
    past: list[tuple[str, str]]
    context_values: list[dict]


def setup(settings: Settings, *, org: str | None = None, year: int | None = None, period: str | None = None,
          facts: Path | None = None, notes: Path | None = None, outline: str | None = None,
          skip: tuple[str, ...] = ()) -> Setup:
    """Read the facts and notes, load the outline and build the facts table with the ledger's prior-year values."""
    from drafter.facts import FactsInput, build_table, normalise_period, read_facts, read_notes
    from drafter.ledger import Ledger
    from drafter.spec import load_outline, plan

    given = read_facts(facts) if facts else FactsInput()
    org, year = org or given.org, year or given.year
    period = normalise_period(period) or given.period or "annual"
    if not org or not year:
        raise DrafterError("Say which bureau and year: --org 示例县科学技术局 --year 2024, "
                           "or write `org:` and `year:` at the top of the facts file.")
    spec = load_outline(outline or ("kjj_h1" if period == "H1" else "kjj_annual"), settings.prompts_dir)
    planned = plan(spec, org=org, year=year, skip=skip)
    ledger = Ledger(settings.catalog_path) if settings.catalog_path.exists() else None
    try:
        table = build_table(planned, given, org=org, year=year, period=period, ledger=ledger,
                            extra_notes=read_notes(notes) if notes else None)
        past = past_texts(ledger, org, year) if ledger else []
        context_values = context_figures(ledger, org) if ledger else []
    finally:
        if ledger:
            ledger.close()
    return Setup(spec, planned, table, past, context_values)
