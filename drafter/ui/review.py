"""The UI's 数据 tab (facts grid, imports, notes) and 起草与审阅 tab (drafting with live text, then review of
each section: edit, findings, sources, history and diff, restore, chat refinement)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drafter.models import FactRow
from drafter.session import ConflictError, DraftSession, FactsError, FactsUpdate, SessionError, quick_actions
from drafter.ui.kit import ORIGINS, ROLES, Bridge, Hub, Live, diff_html, esc, gr, guarded, heading, info, marked, number, warn

GRID = ["指标", "单位", "上年值", "本年值", "目标", "下年目标", "净增", "同比", "完成率"]
TIDY = {"套用最新数据": "apply_facts", "重新编号一是/二是": "renumber", "删除（参考表述）": "strip_hints"}


@dataclass
class Panel:
    """A tab's components that change with the open draft, and the function that fills them."""

    outputs: list
    refresh: Callable[[int | None], dict]


def writable(session: DraftSession) -> list[tuple[str, str]]:
    """(heading, id) of every section that has text of its own."""
    return [(heading(s.heading), s.id) for s in session.sections() if s.kind != "heading"]


# ---- drafting runs, shared by the 全部生成 and 重新生成 buttons of both tabs ----

@dataclass
class EditsChoice:
    """Shown instead of a run when sections to rewrite hold the writer's own text: keep them or rewrite them."""

    row: gr.Row
    note: gr.Markdown
    keep: gr.Button
    overwrite: gr.Button


def edits_choice(prefix: str) -> EditsChoice:
    with gr.Row(visible=False, elem_id=f"{prefix}-edits") as row:
        note = gr.Markdown()
        keep = gr.Button("保留我的修改，只更新数字", elem_id=f"{prefix}-keep-edits")
        overwrite = gr.Button("重新生成（手工修改留在历史中，可恢复）", elem_id=f"{prefix}-overwrite-edits")
    return EditsChoice(row, note, keep, overwrite)


def wire_drafting(hub: Hub, button: gr.Button, draft: gr.State, live: gr.HTML, stale: bool, choice: EditsChoice, **opts):
    """The button runs the drafting, or first asks what to do with the writer's own texts; either answer runs it."""
    outputs = [live, choice.row, choice.note]
    return [button.click(drafting(hub, stale, live, choice), draft, outputs, **opts),
            choice.keep.click(drafting(hub, stale, live, choice, "apply_facts"), draft, outputs, **opts),
            choice.overwrite.click(drafting(hub, stale, live, choice, "regenerate"), draft, outputs, **opts)]


def drafting(hub: Hub, stale: bool, live_html: gr.HTML, choice: EditsChoice, edits: str | None = None) -> Callable:
    """A streaming handler: write the sections (all, or the stale ones) and show their text as it comes."""

    @guarded
    def run(draft: int | None):
        session = hub.session(draft)
        states = session.sections()
        wanted = {s.id for s in states if s.kind != "heading" and (s.stale or not stale)}
        mine = session.edited(stale=stale) if edits is None else []
        if mine:
            names = "、".join(heading(s.heading) for s in mine)
            yield {choice.row: gr.update(visible=True), choice.note: f"**{esc(names)}** 的正文是你手工修改过的。"
                   "重新生成会换掉这些文字（旧版本留在历史中，可恢复）；也可以保留它们，只把其中的数字更新为最新数据。"}
            return
        live = Live(states, wanted)
        hidden = {choice.row: gr.update(visible=False)}
        if not wanted:
            info("没有需要重新生成的部分。")
            yield {live_html: live.html()} | hidden
            return
        bridge = Bridge(lambda emit: session.generate(stale=stale, on_event=emit, edits=edits or "regenerate"))
        for events in bridge:
            live.apply(events)
            yield {live_html: live.html()} | hidden
        _report(session, bridge.result)
    return run


def _report(session: DraftSession, report) -> None:
    for line in report.warnings:
        warn(line)
    if report.failed:
        names = "、".join(heading(session.section(r.id).heading) for r in report.failed)
        warn(f"{len(report.failed)} 个部分生成失败，保留了原有文字：{names}。可稍后单独重新生成。")
    else:
        info(f"已写完 {len(report.saved)} 个部分。{report.usage_line()}")


# ---- 数据 ----

def facts_tab(hub: Hub, draft: gr.State) -> Panel:
    gr.Markdown("直接在表格中修改，改完一格即保存，正文中的数字随之就地更新。净增、同比、完成率由程序计算；"
                "上年值来自往年总结（点选一行可看出处），也可改写。")
    grid = gr.Dataframe(headers=GRID, datatype="str", type="array", interactive=True, static_columns=[6, 7, 8],
                        column_widths=["22%", "7%", "10%", "10%", "9%", "10%", "10%", "11%", "11%"], wrap=True,
                        max_height=520, label="本年数据", elem_id="facts-grid")
    grid_rev = gr.State(0)  # the facts revision the grid shows: an edit is laid over what others saved since
    source = gr.Markdown(elem_id="prior-source")
    with gr.Row(equal_height=True):
        summary = gr.Markdown(elem_id="facts-update")
        regen = gr.Button("重新生成需要更新的部分", visible=False, elem_id="facts-regen")
    choice = edits_choice("facts")
    live = gr.HTML(elem_id="facts-live")
    with gr.Accordion("去年计划 → 今年落实情况", open=False, elem_id="last-plan-box"):
        checklist = gr.Markdown(elem_id="last-plan")
    with gr.Row():
        upload = gr.File(label="导入数据文件（.csv .xlsx .yaml）", file_types=[".csv", ".xlsx", ".yaml", ".yml"],
                         type="filepath", height=120, elem_id="facts-import")
        with gr.Column():
            note_section = gr.Dropdown(label="笔记所属章节", choices=[], elem_id="note-section")
            notes = gr.Textbox(label="这一部分的笔记（每行一条，生成时写成一是、二是……）", lines=4, elem_id="notes")
            save_notes = gr.Button("保存笔记", elem_id="save-notes")

    def view(session: DraftSession, update: FactsUpdate | None = None) -> dict:
        stale = any(s.stale for s in session.sections())
        return {grid: grid_rows(session), regen: gr.update(visible=stale), grid_rev: session.facts_rev(),
                checklist: plan_checklist(session),
                summary: update_text(session, update) if update else summary_text(session, stale)}

    @guarded
    def change(draft_id, cells, base):
        session = hub.session(draft_id)
        with hub.writing(draft_id):
            before = session.facts_rev()
            try:
                update = session.set_facts(rows_from_grid(session, cells), "网页修改", base=base)
            except (FactsError, ConflictError) as e:
                warn(str(e))
                return {grid: grid_rows(session), grid_rev: session.facts_rev()}
        if update.rev == before:  # nothing changed (the grid sends each edit twice): keep the last message
            return {grid: grid_rows(session), grid_rev: update.rev}
        return view(session, update)

    @guarded
    def show_source(draft_id, evt: gr.SelectData):
        row = next((r for r in fact_rows(hub.session(draft_id)) if r.indicator == (evt.row_value or [""])[0]), None)
        if row is None:
            return ""
        origin = {"": "往年总结中没有找到，可直接填写上年值", "填写": "你在表格中填写"}.get(row.prior_source, row.prior_source)
        aim = f"　｜　目标取自去年的工作打算：{esc(row.target_source)}（可直接改写）" if row.target_source else ""
        return (f"**{esc(row.indicator)}**　上年值出处：{esc(origin)}{aim}　｜　"
                f"写入：{esc('、'.join(row.sections)) or '尚未写入正文'}")

    @guarded
    def import_file(draft_id, path, section_id):
        if not path:
            return {}
        session = hub.session(draft_id)
        with hub.writing(draft_id):
            update = session.import_facts(Path(path))
        return {**view(session, update), upload: None, notes: "\n".join(session.notes().get(section_id, ()))}

    @guarded
    def show_notes(draft_id, section_id):
        return "\n".join(hub.session(draft_id).notes().get(section_id, ())) if section_id else ""

    @guarded
    def store_notes(draft_id, section_id, text):
        if not section_id:
            raise SessionError("请先选择笔记所属的章节。")
        hub.session(draft_id).set_notes(section_id, text)
        info("笔记已保存，下次生成这一部分时使用。")

    @guarded
    def settle(draft_id):
        return view(hub.session(draft_id))

    grid.input(change, [draft, grid, grid_rev], [grid, summary, regen, grid_rev, checklist], trigger_mode="always_last",
               api_name="change_facts")
    grid.select(show_source, draft, source)
    upload.upload(import_file, [draft, upload, note_section], [grid, summary, regen, grid_rev, checklist, upload, notes])
    note_section.input(show_notes, [draft, note_section], notes)
    save_notes.click(store_notes, [draft, note_section, notes], None)
    for event in wire_drafting(hub, regen, draft, live, True, choice, concurrency_limit=2, concurrency_id="drafting"):
        event.then(settle, draft, [grid, summary, regen, grid_rev, checklist])

    def refresh(draft_id: int | None) -> dict:
        if not draft_id:
            return {grid: [], grid_rev: 0, checklist: "", summary: "", source: "", live: "", regen: gr.update(visible=False),
                    note_section: gr.update(choices=[], value=None), notes: ""}
        session = hub.session(draft_id)
        first = _first(session)
        return {**view(session), source: "", live: "", note_section: gr.update(choices=writable(session), value=first),
                notes: "\n".join(session.notes().get(first, ()))}

    return Panel([grid, grid_rev, checklist, summary, source, live, regen, note_section, notes], refresh)


def plan_checklist(session: DraftSession) -> str:
    """Last year's 工作打算, item by item, and whether the draft answers it."""
    items = session.last_plan()
    if not items:
        return f"语料库中没有{esc(session.info.org)}{session.info.year - 1}年的年度总结，无法列出去年的工作打算。"
    lines = [f"{session.info.year - 1}年工作打算中的 {len(items)} 项，稿中未写到 **{sum(not d for _, d in items)}** 项："]
    lines += [f"- {'已写到' if done else '**未写到**'}　{esc(item.area)}：{esc(item.text)}" for item, done in items]
    return "\n".join(lines)


def _first(session: DraftSession) -> str | None:
    sections = writable(session)
    return sections[0][1] if sections else None


def fact_rows(session: DraftSession) -> list[FactRow]:
    return session.fact_rows(include_empty=True)


def grid_rows(session: DraftSession) -> list[list[str]]:
    """The facts table as the grid shows it: values as typed, derived values as the draft states them."""
    rows = []
    for r in fact_rows(session):
        d = dict(r.derived)
        growth = d.get("同比增长") or d.get("提高", "")
        rows.append([r.indicator, r.unit, number(r.prior), number(r.value), number(r.target), number(r.next_target),
                     d.get("增量", ""), growth, d.get("完成率", "")])
    return rows


def rows_from_grid(session: DraftSession, cells: list[list]) -> list[dict]:
    """The writer's rows after an edit of the grid. A last-year value, or a target taken from last year's plan,
    is sent only when the writer changed it (otherwise the ledger's stays, with its source); ledger rows left
    empty are not turned into input."""
    listed = fact_rows(session)
    shown = {r.indicator: number(r.prior) for r in listed}
    planned = {r.indicator: number(r.target) for r in listed if r.target_source}
    given = {r["indicator"]: r for r in session.fact_inputs()}
    rows = []
    for line in cells:
        name, unit, prior, value, target, next_target = ([_cell(c) for c in line] + [""] * 6)[:6]
        if not name:
            continue
        row = {**given.get(name, {"indicator": name}), "unit": unit, "value": value, "target": target,
               "next_target": next_target}
        if prior != shown.get(name, ""):
            row["prior"] = prior
        if name in planned and target == planned[name]:
            row.pop("target", None)
        if name in given or any(v not in (None, "") for v in (value, target, next_target, row.get("prior"))):
            rows.append(row)
    return rows


def _cell(value) -> str:
    return "" if value is None or value != value else str(value).strip()  # value != value: NaN from an empty cell


def summary_text(session: DraftSession, stale: bool) -> str:
    rev = session.facts_rev()
    if not rev:
        return "还没有数据：在表格中填写本年值，或导入数据文件。"
    return f"数据第{rev}版。" + ("有部分需要重新生成。" if stale else "")


def update_text(session: DraftSession, update: FactsUpdate) -> str:
    names = {sid: h for h, sid in writable(session)}
    lines = [f"**{update.summary()}**（数据第{update.rev}版）"]
    lines += [f"- 已更新 {esc(names.get(sid, sid))}：" + esc("；".join(f"{c.indicator} {c.old}→{c.new}" for c in changes))
              for sid, changes in update.patched.items()]
    lines += [f"- 需重新生成 {esc(names.get(sid, sid))}：{esc('；'.join(reasons))}" for sid, reasons in update.stale.items()]
    lines += [f"- {esc(line)}" for line in update.report]
    return "\n".join(lines)


# ---- 起草与审阅 ----

def review_tab(hub: Hub, draft: gr.State) -> Panel:
    with gr.Row():
        start = gr.Button("全部生成", variant="primary", elem_id="generate-all")
        redo = gr.Button("重新生成需要更新的部分", elem_id="generate-stale")
    start_choice, redo_choice = edits_choice("all"), edits_choice("stale")
    live = gr.HTML(elem_id="live")
    base = gr.State(None)  # the version id the text box was loaded from
    with gr.Row(equal_height=True):
        pick = gr.Dropdown(label="章节", choices=[], scale=2, elem_id="section-pick")
        status = gr.Markdown(elem_id="section-status")
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label="正文（可直接修改；选中一段文字可只改写那一段）", lines=10, max_lines=24,
                              elem_id="section-text")
            with gr.Row():
                save = gr.Button("保存修改", variant="primary", elem_id="save-text")
                again = gr.Button("重新生成本节", elem_id="regen-section")
            conflict = gr.Textbox(label="他人刚保存的最新版本（请把需要的内容合并到上面的正文后再保存）", visible=False,
                                  interactive=False, lines=6, elem_id="conflict")
            findings = gr.HTML(elem_id="findings")
        with gr.Column(scale=2):
            chat = gr.Chatbot(label="对话修改", height=300, feedback_options=None, elem_id="chat",
                              placeholder="写下修改要求，或点下方的快捷操作；改写的是已保存的版本。")
            span = gr.Textbox(label="只改写这段文字（可选）", lines=2, elem_id="span")
            ask = gr.Textbox(label="修改要求", placeholder="例如：第二点写得更具体一些", lines=2, elem_id="instruction")
            send = gr.Button("发送", variant="primary", elem_id="send")
            with gr.Row():
                actions = [gr.Button(name, size="sm") for name in quick_actions(hub.settings.prompts_dir)]
            gr.Markdown("不需要模型的整理：", elem_classes="muted")
            with gr.Row():
                tidies = [gr.Button(name, size="sm") for name in TIDY]
    with gr.Accordion("参考的往年段落与所用数据", open=False):
        with gr.Row():
            passages = gr.Dataframe(headers=["往年文档", "章节", "相关度"], interactive=False, wrap=True,
                                    elem_id="passages")
            spans = gr.Dataframe(headers=["正文中的数字", "指标", "用作"], interactive=False, wrap=True, elem_id="spans")
    with gr.Accordion("版本历史", open=True):
        history = gr.Dataframe(headers=["版本", "来源", "时间", "字数", "说明"], interactive=False, wrap=True,
                               max_height=260, elem_id="history")
        with gr.Row(equal_height=True):
            older = gr.Dropdown(label="对比：从第几版", choices=[], elem_id="diff-a")
            newer = gr.Dropdown(label="到第几版", choices=[], elem_id="diff-b")
            compare = gr.Button("对比", scale=0, min_width=100, elem_id="compare")
            back = gr.Dropdown(label="恢复第几版", choices=[], elem_id="restore-pick")
            restore = gr.Button("恢复该版本", scale=0, min_width=120, elem_id="restore")
        diff = gr.HTML(elem_id="diff")
    section_outputs = [status, text, base, conflict, findings, passages, spans, history, older, newer, back, diff, chat]

    def view_empty() -> dict:
        return {c: gr.update(value=None) for c in section_outputs} | {base: None, status: "", diff: ""}

    def view(session: DraftSession, sid: str | None) -> dict:
        state = next((s for s in session.sections() if s.id == sid), None)
        if state is None:
            return view_empty()
        v, versions = state.version, session.history(sid)
        numbers = [str(x.number) for x in versions]
        previous = numbers[-2] if len(numbers) > 1 else None
        return {
            status: section_status(state), text: v.text if v else "", base: v.id if v else None,
            conflict: gr.update(visible=False, value=""), findings: marked(v.text if v else "", v.findings if v else ()),
            passages: [[p.doc, p.section, f"{p.score:.3f}"] for p in (v.passages if v else ())],
            spans: [[s.text, s.indicator, ROLES.get(s.role, s.role)] for s in (v.spans if v else ())],
            history: [[x.number, ORIGINS.get(x.origin, x.origin), x.created_at[:19], len(x.text), x.note]
                      for x in reversed(versions)],
            older: gr.update(choices=numbers, value=previous), newer: gr.update(choices=numbers, value=numbers[-1] if numbers else None),
            back: gr.update(choices=numbers, value=previous),
            diff: diff_html(session.diff(sid, len(numbers) - 1, len(numbers))) if previous else "",
            chat: chat_messages(session.chat(sid)),
        }

    @guarded
    def show(draft_id, sid):
        return view(hub.session(draft_id), sid) if draft_id else view_empty()

    @guarded
    def save_text(draft_id, sid, body, base_id):
        session = hub.session(draft_id)
        state = next((s for s in session.sections() if s.id == _need(sid)), None)
        if state and state.version and state.version.text == (body or "").strip() and state.version.id == base_id:
            info("正文没有改动，无需保存。")
            return {}
        try:
            with hub.writing(draft_id):
                version = session.edit(sid, body, base=base_id)
        except ConflictError as e:
            latest = next(s.version for s in session.sections() if s.id == sid)
            warn(f"{e} 你的文字仍在编辑框中，没有丢失；下方是最新版本，合并后再点“保存修改”。")
            return {conflict: gr.update(visible=True, value=latest.text), base: latest.id,
                    status: section_status(next(s for s in session.sections() if s.id == sid))}
        info(f"已保存为第{version.number}版。")
        return view(session, sid)

    @guarded
    def rewrite(draft_id, sid, body):
        session = hub.session(draft_id)
        keep_typed(session, _need(sid), body)
        bridge = Bridge(lambda emit: session.generate([sid], on_event=emit))
        written = ""
        for events in bridge:
            written += "".join(e.text for e in events if e.kind == "delta")
            if written:
                yield {text: written}
        _report(session, bridge.result)
        yield view(session, sid)

    def refiner(action: str | None) -> Callable:
        @guarded
        def refine(draft_id, sid, instruction, part, base_id, body):
            session = hub.session(draft_id)
            keep_typed(session, _need(sid), body)
            shown = chat_messages(session.chat(sid))
            said = (instruction or "").strip() or action or ""
            shown += [{"role": "user", "content": said}, {"role": "assistant", "content": "……"}]
            yield {chat: shown, ask: ""}
            bridge = Bridge(lambda emit: session.refine(sid, instruction if not action else "", action=action,
                                                        span=(part or "").strip() or None, on_event=emit, base=base_id))
            answer = ""
            for events in bridge:
                answer += "".join(e.text for e in events if e.kind == "delta")
                if answer:
                    shown[-1] = {"role": "assistant", "content": answer}
                    yield {chat: shown}
            try:
                version = bridge.result
            except (SessionError, ConflictError) as e:
                warn(str(e))
                yield {chat: chat_messages(session.chat(sid)), ask: instruction}
                return
            info(f"已按要求改写，保存为第{version.number}版。")
            yield {**view(session, sid), span: ""}
        return refine

    def tidier(action: str) -> Callable:
        @guarded
        def tidy(draft_id, sid, body):
            session = hub.session(draft_id)
            keep_typed(session, _need(sid), body)
            version = session.tidy(sid, action)
            info(f"已保存为第{version.number}版。{version.note}")
            return view(session, sid)
        return tidy

    @guarded
    def compare_versions(draft_id, sid, a, b):
        if not (a and b):
            raise SessionError("请选择要对比的两个版本。")
        return diff_html(hub.session(draft_id).diff(_need(sid), int(a), int(b)))

    @guarded
    def restore_version(draft_id, sid, number_text, body):
        if not number_text:
            raise SessionError("请选择要恢复的版本。")
        session = hub.session(draft_id)
        keep_typed(session, _need(sid), body)
        version = session.restore(_need(sid), int(number_text))
        info(f"已恢复为第{version.number}版（{version.note}）。")
        return view(session, sid)

    def selected(evt: gr.SelectData) -> str:
        return evt.value if isinstance(evt.value, str) else ""

    drafting_opts = dict(concurrency_limit=2, concurrency_id="drafting")
    for button, stale, choice in ((start, False, start_choice), (redo, True, redo_choice)):
        for event in wire_drafting(hub, button, draft, live, stale, choice, **drafting_opts):
            event.then(show, [draft, pick], section_outputs)
    pick.input(show, [draft, pick], section_outputs)
    save.click(save_text, [draft, pick, text, base], section_outputs, api_name="save_section")
    again.click(rewrite, [draft, pick, text], section_outputs, **drafting_opts)
    text.select(selected, None, span)
    chat_in = [draft, pick, ask, span, base, text]
    chat_out = section_outputs + [ask, span]
    send.click(refiner(None), chat_in, chat_out, **drafting_opts)
    ask.submit(refiner(None), chat_in, chat_out, **drafting_opts)
    for button in actions:
        button.click(refiner(button.value), chat_in, chat_out, **drafting_opts)
    for button in tidies:
        button.click(tidier(TIDY[button.value]), [draft, pick, text], section_outputs)
    compare.click(compare_versions, [draft, pick, older, newer], diff)
    restore.click(restore_version, [draft, pick, back, text], section_outputs)

    def refresh(draft_id: int | None) -> dict:
        if not draft_id:
            return {live: "", pick: gr.update(choices=[], value=None), **view_empty()}
        session = hub.session(draft_id)
        first = _first(session)
        return {live: Live(session.sections(), set()).html(), pick: gr.update(choices=writable(session), value=first),
                **view(session, first)}

    return Panel([live, pick] + section_outputs, refresh)


def keep_typed(session: DraftSession, sid: str, body: str | None) -> None:
    """Refuse a change that would replace text the writer typed into the editor and has not saved."""
    saved = next((s.version.text for s in session.sections() if s.id == sid and s.version), "")
    if (body or "").strip() != saved.strip():
        raise SessionError("正文中有还没保存的修改。请先点“保存修改”（或复制留用），再做这一步，以免修改被覆盖。")


def _need(sid: str | None) -> str:
    if not sid:
        raise SessionError("请先选择一个章节。")
    return sid


def section_status(state) -> str:
    v = state.version
    if v is None:
        return "尚未生成。"
    line = f"第{v.number}版 · {ORIGINS.get(v.origin, v.origin)} · {v.created_at[:16]} · {len(v.text)}字"
    return line + (f"\n\n**需要重新生成**：{esc(state.stale)}" if state.stale else "")


def chat_messages(turns: list[dict]) -> list[dict]:
    """The section's chat as the Chatbot shows it; a failed request is shown as the assistant's notice."""
    return [{"role": "user" if t["role"] == "user" else "assistant",
             "content": esc(t["content"]) if t["role"] != "error" else f"⚠ {esc(t['content'])}"} for t in turns]
