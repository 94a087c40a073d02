"""The drafting engine: one section at a time, stateless per call.

Each call: exemplars retrieved → prompt rendered → model streamed (or the offline skeleton) → checks →
one repair round when a number has no source → numbers still without a source replaced by 【待核实：…】.
Any failure, of any kind, fails only that section: the result carries no text and the caller keeps the
previous version. Orchestration (which sections, in which order, saving) belongs to the session.
"""

import hashlib
import re
import threading
import time
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from drafter.config import Settings
from drafter.drafting import context, frames, house, skeleton, textops
from drafter.drafting.meter import Meter
from drafter.drafting.outlines import PlannedSection
from drafter.drafting.prompts import render
from drafter.errors import DrafterError
from drafter.ingest.admission import is_local, mask_personal
from drafter.llm import CutOff, Gate, ModelError, stream
from drafter.models import Event, Finding, PassageRef, SectionResult
from drafter.numbers import checks, keeping, patch
from drafter.numbers.facts import FactsTable

REPAIR_KINDS = {"unverified_number", "inconsistent_prior", "copied_text", "placeholder", "target_as_actual",
                "context_as_local", "wrong_indicator", "wrong_year", "arithmetic", "qualifier", "rank", "plan_as_done",
                "scaffolding"}
REPLACE_KINDS = {"unverified_number", "inconsistent_prior", "wrong_indicator", "wrong_year", "arithmetic"}
# a model declining the task rather than writing it
_REFUSAL = re.compile(r"^(?:抱歉|对不起|很抱歉|我无法|我不能|作为一个?(?:AI|人工智能))")

OnEvent = Callable[[Event], None]
_TOP_HEADING = re.compile(r"^[一二三四五六七八九十]+、[^。\n]{0,30}$", re.M)  # a document-level heading line alone
_SUB_HEADING = re.compile(r"^(?:[（(](?P<n>[一二三四五六七八九十]+)[）)]|(?P<m>[一二三四五六七八九十]+)、)\s*(?P<line>[^\n]+)$",
                          re.M)
# a heading of the whole document inside a section's answer: the model wrote the summary, not the section
_OTHER_OUTLINE = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])\s*(?:[^\n。]{0,8}(?:主要工作|工作成效|"
                            r"存在的?问题|问题和?不足|工作打算|工作思路|下一步)|(?:明年|下一年|\d{4}年)[^\n。]{0,6}(?:打算|计划|思路))",
                            re.M)
INVENTED_SWITCH = 3  # figures a model invents before the rest of the draft's figures are written by code


class AnswerError(ModelError):
    """An answer that is not the section (empty, a refusal, not Chinese): one more try, naming the problem."""


def _as_point(m: re.Match) -> str:
    """（一）强化梯队培育 → 一是强化梯队培育。; a run-in （二）做优服务。组织… keeps its sentence."""
    line = m["line"].strip()
    return f"{m['n'] or m['m']}是{line}" + ("" if line[-1:] in "。；！？" or "。" in line else "。")


class Engine:
    """Writes and refines sections of one draft from a fixed facts table. Dependencies are injected:
    tests pass fakes, the session passes the configured ones."""

    def __init__(self, settings: Settings, table: FactsTable, planned: list[PlannedSection], title: str, *,
                 model: BaseChatModel | None = None, retriever=None, past: list[tuple[str, str]] | None = None,
                 context_values: list[dict] | None = None, self_name: str = ""):
        self.settings, self.table, self.planned, self.title = settings, table, planned, title
        self.self_name = self_name  # how the bureau names itself in its past summaries (县科技局)
        self.model, self.retriever = model, retriever
        self.past, self.context_values = past or [], context_values or []
        self._exemplars: dict[str, list[context.Exemplar]] = {}  # a cache: same inputs, same passages
        self._lock = threading.Lock()
        self.invented = 0  # figures the model wrote without a source, over this engine's sections
        self.gate = Gate(settings.llm_concurrency)

    # ---- prompts ----
    def exemplars(self, section: PlannedSection) -> list[context.Exemplar]:
        if section.spec.id not in self._exemplars:
            found = context.search_exemplars(self.retriever, section, self.table, self.settings.exemplars_per_section)
            with self._lock:
                self._exemplars[section.spec.id] = found
        return self._exemplars[section.spec.id]

    def messages(self, section: PlannedSection, bodies: list[dict] | None = None, problems: str = ""
                 ) -> list[BaseMessage]:
        """The exact messages sent to the model for a section (bodies: the saved body sections)."""
        if self.by_code():
            material, fixed = self._frame_parts(section)
            return self._frame_messages(section, frames.frame(material)[0], fixed)
        user = render(self.settings.prompts_dir, section.spec.prompt,
                      **self.variables(section, bodies or [], problems))
        return [SystemMessage(self._system()), HumanMessage(user)]

    def _system(self) -> str:
        return render(self.settings.prompts_dir, "system", org=self.table.org, title=self.title, self_name=self.self_name)

    def variables(self, section: PlannedSection, bodies: list[dict], problems: str = "") -> dict:
        t, spec, budget = self.table, section.spec, self.settings.prompt_budget_chars
        notes = list(t.notes.get(spec.id, ()))
        common = {"guidance": spec.guidance, "length": spec.length, "notes": notes}
        if spec.prompt != "lead":
            common |= {"heading": section.heading, "points": spec.points}
        if spec.prompt == "body":  # the requirements rendered are the ones this section's data can meet
            overview = context.overview_of(self.planned)
            facts, missing = context.section_facts(section, t, overview)
            parent = next((p.heading for p in self.planned if p.spec.id == section.parent), "")
            rows = t.facts if spec.id == overview else () if overview else t.stated(spec.id)
            rates = [f.get("完成率").value for f in rows if f.value is not None and f.get("完成率")]
            grouped = spec.id == overview and not notes and spec.points >= 2  # the bureau's 一是创新主体… of its （一）
            restated = overview is not None and spec.id != overview  # its figures are the overview's to state
            return common | {"parent_heading": parent, "title": section.title, "facts": facts, "missing": missing,
                             "restated": restated and bool(facts),
                             "run_in": spec.run_in, "length": max(spec.length, 28 * len(facts)) if spec.id == overview else spec.length,
                             "points": spec.points if grouped else context.points(spec.points, len(notes)),
                             "items": list(spec.items) if context.points(len(spec.items), len(notes)) else [],
                             "targets_met": any(r >= 100 for r in rates), "targets_missed": any(r < 100 for r in rates),
                             "exemplars": context.within_budget(facts + missing + notes, self.exemplars(section), budget)}
        if spec.prompt in ("lead", "problems"):  # written from the finished body and the table's key rows
            body = context.fit_bodies(bodies, budget // 2)
            key, rows = ("headline", context.headline(t, self.planned, spec.headline)) if spec.prompt == "lead" else \
                ("shortfalls", context.shortfalls(t))
            fixed = notes + rows + [b["text"] for b in body]
            if spec.prompt == "problems":  # a point per problem the writer noted, and one for the table's shortfalls
                common["points"] = min(4, max(2, len(notes) + bool(rows))) if notes or rows else 0
            else:  # the year's targets, judged by code: 年度目标指标全部完成
                common["tally"] = context.target_tally(t)
            return common | {key: rows, "body": body,
                             "exemplars": context.within_budget(fixed, self.exemplars(section), budget)}
        targets = context.targets(t)
        body = context.fit_bodies(bodies, budget // 2)  # what each area did this year, for the measures without notes
        fixed = notes + targets + [problems] + [b["text"] for b in body]
        theme = context.year_theme(t.year + 1) if t.period == "annual" else ""
        lead = next((p.spec.id for p in self.planned if p.spec.prompt == "lead"), None)
        framing = [line for line in t.notes.get(lead, ()) if house.frames(line)] if lead else []  # the opening's formula
        if framing and t.period == "annual":  # as next year writes it: not 2024's 党纪学习教育, nor a campaign unconfirmed
            framing = [house.undated(framing[0], t.year + 1, campaign=False)[0]]
        return common | {"targets": targets, "next_period": context.next_period(t), "problems": problems, "theme": theme,
                         "framing": framing[0] if framing else "",
                         "items": list(spec.items),
                         "body": body,
                         "exemplars": context.within_budget(fixed, self.exemplars(section), budget)}

    # ---- writing ----
    def write(self, section: PlannedSection, *, bodies: list[dict] | None = None, problems: str = "",
              on_event: OnEvent | None = None) -> SectionResult:
        """Draft one section. Never raises: a failure is a result with ok=False and the reason."""
        emit = on_event or (lambda e: None)
        started, sid = time.perf_counter(), section.spec.id
        emit(Event("started", sid))
        meter = Meter(sid, emit)
        try:
            dropped: tuple[str, ...] = ()
            heading = ""
            if self.model is None:
                text, messages = self._offline(section), []
                emit(Event("delta", sid, text))
                text, findings, replaced = self._guard(section, text, meter)
            elif self.by_code():
                text, messages, dropped = self._framed(section, meter)
                text, findings, replaced = self._guard(section, text, meter, repair=False,
                                                       keep=self._keeps_frame(section))
            else:
                messages = self.messages(section, bodies, problems)
                text = self._ask(messages, section, meter)
                text, findings, replaced = self._guard(section, text, meter)
                heading = self._retitle(section, text, meter)
                with self._lock:
                    self.invented += len(replaced)
        except Exception as e:  # noqa: BLE001 — any failure fails this section only; the others go on
            return self._failed(section, e, started, emit, meter)
        result = SectionResult(sid, text, True, "generated" if self.model else "offline", findings, replaced,
                               patch.spans(text, self.table), self._passages(section),
                               prompt_hash(messages) if messages else "", None,
                               sum(len(m.content) for m in messages), time.perf_counter() - started,
                               meter.usage(), dropped, heading)
        emit(Event("done", sid, text, findings, result.usage))
        return result

    def retitle_messages(self, section: PlannedSection, text: str) -> list[BaseMessage]:
        """The request for this year's heading of a section whose heading is the bureau's evaluative line of a past
        year, from the section's text as written."""
        old = section.spec.past_heading or section.title  # the bureau's own line, not a heading written from it
        return [HumanMessage(render(self.settings.prompts_dir, "heading", org=self.table.org, heading=section.heading,
                                    pattern=old, text=text, halves=bool(re.search(r"[，,]", old)), size=len(old)))]

    def _retitle(self, section: PlannedSection, text: str, meter: Meter) -> str:
        """This year's heading of a section marked `retitle`, or "" (the heading stays) when the answer fails or is
        no heading of the past one's pattern."""
        if not section.spec.retitle or not text:
            return ""
        try:
            with self.gate.slot():
                answer = stream(self.model, self._outgoing(self.retitle_messages(section, text)), max_chars=120,
                                on_usage=meter.counted)
        except ModelError:
            return ""
        return textops.new_heading(answer, section.spec.past_heading or section.title)

    def _outgoing(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        """Personal data stays in the office: masked before it goes to a model outside it."""
        if is_local(self.settings.llm_base_url, self.settings.local_hosts):
            return messages
        return [m.model_copy(update={"content": mask_personal(m.content)}) for m in messages]

    def refine(self, section: PlannedSection, text: str, instruction: str, *, span: str | None = None,
               history: list[dict] | None = None, on_event: OnEvent | None = None) -> SectionResult:
        """Rewrite a section (or only `span` of it) as the writer asks, under the same number guard."""
        emit = on_event or (lambda e: None)
        started, sid = time.perf_counter(), section.spec.id
        emit(Event("started", sid))
        meter = Meter(sid, emit)
        try:
            if self.model is None:
                raise ModelError(OFFLINE_REFINE)
            if span and span not in text:
                raise DrafterError(f"选中的文字“{span[:20]}”不在当前版本中，请重新选择。")
            messages = self.refine_messages(section, text, instruction, span=span, history=history or [])
            answer = self._ask(messages, section, meter, given=text)
            new_text = text.replace(span, answer, 1) if span else answer
            may, notes = keeping.allowed(instruction), self.table.notes.get(sid, ())
            new_text, findings, replaced = self._guard(
                section, new_text, meter, keep=lambda t: keeping.kept(text, t, self.table, notes, may),
                repair_keep=set(keeping.KINDS) - ({"fact_dropped", "note_dropped"} if may.drop else set()))
        except Exception as e:  # noqa: BLE001 — a failed refinement leaves the text as it was
            return self._failed(section, e, started, emit, meter)
        result = SectionResult(sid, new_text, True, "chat", findings, replaced, patch.spans(new_text, self.table),
                               (), prompt_hash(messages), None, sum(len(m.content) for m in messages),
                               time.perf_counter() - started, meter.usage())
        emit(Event("done", sid, new_text, findings, result.usage))
        return result

    def refine_messages(self, section: PlannedSection, text: str, instruction: str, *, span: str | None = None,
                        history: list[dict] | None = None) -> list[BaseMessage]:
        facts = [context.fact_line(f, self.table, with_next=True) for f in self.table.facts
                 if f.value is not None or f.listed]
        user = render(self.settings.prompts_dir, "refine", heading=section.heading, text=text,
                      instruction=instruction, span=span or "", facts=facts,
                      notes=list(self.table.notes.get(section.spec.id, ())))
        earlier: list[BaseMessage] = []
        for turn in (history or [])[-6:]:  # the section's recent chat turns, so "再短一点" means something
            earlier.append(HumanMessage(turn["content"]) if turn["role"] == "user" else AIMessage(turn["content"]))
        return [SystemMessage(self._system()), *earlier, HumanMessage(user)]

    def _ask(self, messages: list[BaseMessage], section: PlannedSection, meter: Meter, *, given: str = "") -> str:
        """The model's answer as section text, or a ModelError; `given`: the text a refine or repair sends back.
        An answer that is not the section or does not end gets one more try that names the problem."""
        messages = self._outgoing(messages)
        try:
            return self._answer(messages, section, meter, given)
        except (AnswerError, CutOff) as e:
            meter.repair(str(e))
            hint = (f"上一次的回答没有写完就超出了篇幅。请控制在约{section.spec.length or 400}字，写完即止，不要重复。"
                    if isinstance(e, CutOff) else f"上一次的回答不可用：{e}请按要求直接写出这一部分的中文正文。")
            last = messages[-1]
            again = [*messages[:-1], last.model_copy(update={"content": f"{last.content}\n\n【注意】{hint}"})]
            return self._answer(again, section, meter, given)

    def _answer(self, messages: list[BaseMessage], section: PlannedSection, meter: Meter, given: str) -> str:
        with self.gate.slot() as call:
            meter.asked(messages, lambda: self.gate.first_token(call))
            raw = stream(self.model, messages, meter.delta, max_chars=answer_limit(section, given),
                         on_usage=meter.counted)
            meter.ended()
        if section.spec.kind == "body" and len(_OTHER_OUTLINE.findall(raw)) >= 1 and len(_SUB_HEADING.findall(raw)) >= 2:
            raise AnswerError("模型写成了另一套提纲（正文中出现“主要工作”“存在问题”“工作打算”之类的全文标题），"
                              "不是这一部分的正文。")
        text = clean(raw, section)
        if not text:
            raise AnswerError("模型返回了空内容。")
        if _REFUSAL.match(text) and len(text) < 200:
            raise AnswerError(f"模型没有按要求写作，而是回复：“{text[:60]}”。")
        letters = re.findall(r"[A-Za-z\u4e00-\u9fff]", text)
        if letters and sum(c >= "\u4e00" for c in letters) < 0.5 * len(letters):
            raise AnswerError(f"模型的回答不是中文（“{text[:40]}”）；请换用中文能力强的模型，或再试一次。")
        return text

    # ---- figures written by code (llm_numbers = code, or a model seen to invent them) ----
    def by_code(self) -> bool:
        return self.settings.llm_numbers == "code" or self.invented >= INVENTED_SWITCH

    def _plain(self, section: PlannedSection) -> str:
        """The offline drafter's text of the section with no reference hints."""
        if section.spec.prompt == "body":
            return skeleton.body(section, self.table, [])
        if section.spec.prompt == "lead":
            return skeleton.lead(self.table, self.planned)
        if section.spec.prompt == "problems":
            return skeleton.problems(section, self.table, [])
        return skeleton.plan(section, self.table, self.planned, [])

    def _frame_parts(self, section: PlannedSection) -> tuple[str, str]:
        """What the model rewrites (the notes as points, the plan's introduction, the opening) and the lines of
        the table's figures that code writes as they are (a body's facts sentence, the shortfalls of 存在的问题,
        next year's targets): a small model garbles a sentence of many figures."""
        t, kind, notes = self.table, section.spec.prompt, list(self.table.notes.get(section.spec.id, ()))
        if kind == "body":
            return skeleton.bare_points(notes) if notes else "", skeleton.facts_sentence(t.stated(section.spec.id), t)
        if kind == "problems":
            return skeleton.bare_points(notes) if notes else "", skeleton.bare_points(skeleton.shortfall_lines(t))
        if kind == "plan":
            intro = skeleton.plan(section, t, self.planned, []).split("\n\n")[0]
            return intro + ("\n\n" + skeleton.bare_points(notes) if notes else ""), skeleton.goals_line(t)
        return skeleton.lead(t, self.planned), ""

    @staticmethod
    def _joined(kind: str, written: str, fixed: str) -> str:
        """The model's text with code's lines: a body's figures first, the shortfalls as the last points of
        存在的问题, next year's targets as the first point of the plan."""
        if not fixed:
            return written
        if kind == "body":
            return f"{fixed}\n\n{written}" if written else fixed
        if kind == "problems":
            return textops.number_in_order(f"{written}{fixed}" if written else fixed)
        point = f"一是{fixed}。"
        first = re.search(r"(?:(?<=^)|(?<=[。；：:！？\n]))[一二三四五六七八九十]+是", written)
        merged = written[:first.start()] + point + written[first.start():] if first else f"{written}\n\n{point}"
        return textops.number_in_order(merged)

    def _frame_messages(self, section: PlannedSection, framed: str, fixed: str) -> list[BaseMessage]:
        """`fixed`: what code writes besides, not the model's to fill (its length is taken off the section's)."""
        budget, lines = self.settings.prompt_budget_chars, framed.split("\n")
        user = render(self.settings.prompts_dir, "frame", heading=section.heading or "开头总述", frame=framed,
                      length=max(100, (section.spec.length or 400) - len(fixed)),
                      points=section.spec.points or section.spec.prompt != "body",
                      exemplars=context.within_budget(lines, self.exemplars(section), budget))
        return [SystemMessage(self._system()), HumanMessage(user)]

    def _framed(self, section: PlannedSection, meter: Meter) -> tuple[str, list[BaseMessage], tuple[str, ...]]:
        """The section's frame written into prose by the model, its figures put back by code; a figure the model
        wrote itself goes with its clause (returned, for the report)."""
        material, fixed = self._frame_parts(section)
        framed, values = frames.frame(material)
        if not re.search(r"[\u4e00-\u9fff]{4}", frames.TOKEN.sub("", framed)):  # nothing for a model to write
            plain = self._plain(section)
            meter.delta(plain)
            return plain, [], ()
        messages = self._frame_messages(section, framed, fixed)
        answer, dropped = frames.own_part(self._ask(messages, section, meter, given=framed), section), []
        years = {str(self.table.year + d) for d in (-1, 0, 1)}
        while m := next((m for m in reversed(list(frames.OWN_FIGURE.finditer(answer)))
                         if not ((t := frames.TOKEN.fullmatch(m[0])) and t[1] in values) and m[0] not in years), None):
            dropped.append(m[0])
            answer = frames.without_clause(answer, m.start(), m.end())
        while mark := checks.SCAFFOLDING.search(answer):  # the prompt's own marks (〔N]万元, （不简称“高企”）) go too
            answer = frames.without_clause(answer, mark.start(), mark.end())
        while again := checks.repeated_findings(answer):  # and a clause said a second time
            answer = frames.without_clause(answer, again[0].start, again[0].end)
        text, _ = frames.fill(textops.close_gaps(answer), values)
        notes = self.table.notes.get(section.spec.id, ())
        for note in [n for n in notes if not keeping.uses(text, n)]:
            text = frames.with_note(text, note)
        text = self._joined(section.spec.prompt, text, fixed)
        return (skeleton.unpromised(text, section) if section.spec.kind == "body" else text), messages, \
            tuple(reversed(dropped))

    def _keeps_frame(self, section: PlannedSection) -> Callable[[str], list[Finding]]:
        """Findings for each figure, marker and note of the frame a framed section lost."""
        plain, notes = self._plain(section), self.table.notes.get(section.spec.id, ())
        markers = re.findall(r"【[^】]*】", plain)

        def keep(text: str) -> list[Finding]:
            lost = [m for m in markers if m not in text]
            return keeping.kept(plain, text, self.table, notes) + (
                [Finding("fact_dropped", 0, 0, "", f"模型漏写了待补充的内容：{'、'.join(lost)}。", "请把它写回正文。")]
                if lost else [])
        return keep

    def _failed(self, section: PlannedSection, e: Exception, started: float, emit: OnEvent, meter: Meter
                ) -> SectionResult:
        reason = str(e) if isinstance(e, DrafterError) else f"内部错误（{type(e).__name__}：{e}），这一部分未改动。"
        emit(Event("failed", section.spec.id, reason, usage=meter.usage()))
        return SectionResult(section.spec.id, "", False, "generated" if self.model else "offline", error=reason,
                             seconds=time.perf_counter() - started, usage=meter.usage())

    def _passages(self, section: PlannedSection) -> tuple[PassageRef, ...]:
        return tuple(PassageRef(e.doc, e.section, round(e.score, 4)) for e in self.exemplars(section))

    def _offline(self, section: PlannedSection) -> str:
        exemplars = self.exemplars(section)
        if section.spec.prompt == "body":
            return skeleton.body(section, self.table, exemplars)
        if section.spec.prompt == "lead":
            return skeleton.lead(self.table, self.planned)
        if section.spec.prompt == "problems":
            return skeleton.problems(section, self.table, exemplars)
        return skeleton.plan(section, self.table, self.planned, exemplars)

    def check(self, text: str, reference: str = "", section: str = "") -> list[Finding]:
        """Findings on a section's text; `section` (an id): a plan section speaks of next year throughout."""
        return checks.check_section(text, self.table, self.planned, section, past=self.past,
                                    copy_min_chars=self.settings.copy_min_chars, context_values=self.context_values,
                                    reference=reference)

    def _guard(self, section: PlannedSection, text: str, meter: Meter, *, repair: bool = True,
               keep: Callable[[str], list[Finding]] | None = None, repair_keep: set[str] = frozenset()
               ) -> tuple[str, tuple[Finding, ...], tuple[str, ...]]:
        """Check; one repair round by the model when something is wrong (unless `repair` is off); unsourced
        numbers replaced. `keep`: findings on what a rewrite changed in the facts, repaired when their kind is in
        `repair_keep`."""
        sid = section.spec.id
        repairable = REPAIR_KINDS | repair_keep

        def check(t: str) -> list[Finding]:
            return self.check(t, section=sid) + (keep(t) if keep else [])

        findings = check(text)
        wrong = [f for f in findings if f.kind in repairable]
        if wrong and repair and self.model is not None:
            meter.repair("；".join(f.message for f in wrong))
            try:
                repaired = self._ask(self._repair_messages(section, text, wrong), section, meter, given=text)
            except ModelError:
                repaired = ""  # an empty, refused or failed repair: the first text stays, still guarded below
            if repaired:
                again = check(repaired)
                if sum(f.kind in repairable for f in again) <= len(wrong):
                    text, findings = repaired, again
        notes = "\n".join(line for lines in self.table.notes.values() for line in lines)
        # a number as the writer's own notes write it is flagged but never replaced: the writer knows it
        replaced = [f for f in findings if f.kind in REPLACE_KINDS and f.text not in notes]
        for f in sorted(replaced, key=lambda f: -f.start):
            text = text[:f.start] + f"【待核实：{f.text}】" + text[f.end:]
        if replaced:
            findings = check(text)
        return text, tuple(findings), tuple(f.text for f in replaced)

    def _repair_messages(self, section: PlannedSection, text: str, wrong: list[Finding]) -> list[BaseMessage]:
        facts = [context.fact_line(f, self.table, with_next=True) for f in self.table.facts
                 if f.value is not None or f.listed]
        user = render(self.settings.prompts_dir, "repair", heading=section.heading, text=text,
                      findings=[f"“{f.text}”：{f.message}{f.suggestion}" for f in wrong], facts=facts,
                      notes=list(self.table.notes.get(section.spec.id, ())))
        return [SystemMessage(self._system()), HumanMessage(user)]


OFFLINE_REFINE = ("未配置模型（离线模式），无法按指令改写。不需要模型的操作仍可使用：套用最新数据、重新编号一是/二是、"
                  "删除（参考表述：…）提示；或直接手工修改。要接入模型，请设置 DRAFTER_LLM_BASE_URL 和 DRAFTER_LLM_MODEL。")


def answer_limit(section: PlannedSection, given: str = "") -> int:
    """The most characters an answer may take: a few times the section's length, or twice the text a refine or
    repair sends back; anything longer is a model that does not stop."""
    return max(1500, 4 * (section.spec.length or 400), 2 * len(given))


def prompt_hash(messages: list[BaseMessage]) -> str:
    """A short fingerprint of the exact messages, kept with each version."""
    digest = hashlib.sha256()
    for m in messages:
        digest.update(f"{m.type}\0{m.content}\0".encode())
    return digest.hexdigest()[:16]


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
    text = _MD_HEADING.sub(_unmarked, text)  # #### 高新技术企业总数: a Markdown heading the model added
    text = re.sub(r"\*\*([^*\n]+)\*\*", r"\1", text)
    if section.spec.kind == "body":  # headings a model writes inside a section become its 一是 points
        if _TOP_HEADING.search(text) and re.search(r"^[（(][一二三四五六七八九十]+[）)]", text, re.M):
            text = _TOP_HEADING.sub("", text)  # two levels: the document's level is not the section's to write
        text = textops.close_gaps(_SUB_HEADING.sub(_as_point, text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_MD_HEADING = re.compile(r"^#{1,6}\s*(.*)$", re.M)


def _unmarked(m: re.Match) -> str:
    """A Markdown heading inside an answer: kept as the sub-heading it numbers (（一）…, 一、…), else dropped when it
    is only a title (a short line with no sentence in it)."""
    line = m.group(1).strip()
    if re.match(r"[（(]?[一二三四五六七八九十]+[）)、是]", line) or "。" in line or len(line) > 30:
        return line
    return ""


def _is_heading_echo(line: str, section: PlannedSection) -> bool:
    bare = re.sub(r"^[#\s]+", "", line).strip().rstrip("：:")
    return bool(bare) and (bare in (section.heading, section.title) or (line.startswith("#") and len(bare) < 40))

