"""The writer's workbench in the browser: `drafter ui`. Gradio Blocks over the session layer.

Tabs: 语料库 (past summaries: upload, list, preview, correct, remove — drafter.shelf), 稿件 (create, open,
outline), 数据 and 起草与审阅 (drafter.ui_review), 导出. Handlers are a few lines around session or shelf
calls. Per-browser state (the open draft, the version a text box was loaded from) lives in gr.State; one
Desk (model client, retriever, workspace) serves every browser of the process. Nothing is fetched from
outside the machine: no analytics, system fonts, no share links.
"""

import ipaddress
import re
from collections.abc import Callable
from datetime import date
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path

from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse

from drafter.config import Settings
from drafter.errors import ConfigError
from drafter.session import DraftSession, SessionError, WorkspaceError, shelf
from drafter.session.users import read_users, sign_in  # noqa: F401 — the workbench's sign-in
from drafter.ui.kit import CSS, Hub, esc, gr, guarded, info, warn
from drafter.ui.review import Panel, facts_tab, review_tab

TITLE = "drafter · 工作总结起草"
FONTS = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
         "sans-serif")  # system fonts only: a web font would be fetched from outside the machine
MONO = ("Noto Sans Mono CJK SC", "Consolas", "monospace")
KINDS = {"body": "正文", "synthesis": "综合（最后写）", "heading": "标题"}
FIGURE_KINDS = {"actual": "完成数", "target": "目标", "growth": "增幅"}
PERIODS = [("全年", "annual"), ("上半年", "H1")]
EXPORTS = [(".docx", "下载 Word（GB/T 9704）"), (".md", "下载 Markdown"), (".xlsx", "数据与来源表（.xlsx）"),
           (".csv", "数据与来源表（.csv）")]


def build_ui(settings: Settings) -> gr.Blocks:
    """The whole app, its event queue configured; nothing is loaded or connected until it is used."""
    hub = Hub(settings)
    with gr.Blocks(title=TITLE, delete_cache=(3600, 86400)) as demo:
        draft = gr.State(None)
        gr.Markdown(f"### {TITLE}", elem_id="title")
        status = gr.Markdown(elem_id="status-line")
        current = gr.Markdown(elem_id="current-draft")
        with gr.Tabs() as tabs:
            with gr.Tab("语料库", id="corpus"):
                corpus = corpus_tab(hub, status)
            with gr.Tab("稿件", id="drafts") as drafts_page:
                drafts, opened = drafts_tab(hub, draft)
            with gr.Tab("数据", id="facts"):
                facts = facts_tab(hub, draft)
            with gr.Tab("起草与审阅", id="review"):
                review = review_tab(hub, draft)
            with gr.Tab("导出", id="export") as export_page:
                export = export_tab(hub, draft, tabs)
        panels = [drafts, facts, review, export]
        outputs = [current] + [c for p in panels for c in p.outputs]

        @guarded
        def refresh_all(draft_id):
            banner = draft_banner(hub.session(draft_id)) if draft_id else "尚未打开稿件：请在“稿件”页新建或打开一份。"
            return {current: banner} | {k: v for p in panels for k, v in p.refresh(draft_id).items()}

        @guarded
        def load(request: gr.Request):
            hub.warm_up()
            draft_id = requested_draft(hub, request)
            return {status: header(hub), draft: draft_id} | corpus.refresh(None) | refresh_all(draft_id)

        for event in opened:
            event.then(refresh_all, draft, outputs)
        demo.load(load, None, [status, draft] + corpus.outputs + outputs)
        drafts_page.select(drafts.refresh, draft, drafts.outputs)
        export_page.select(export.refresh, draft, export.outputs)
    demo.queue(default_concurrency_limit=8)
    return demo


def header(hub: Hub) -> str:
    s = shelf.stats(hub.settings)
    hint = ("接入模型：设置环境变量 DRAFTER_LLM_BASE_URL、DRAFTER_LLM_API_KEY、DRAFTER_LLM_MODEL（或写入 drafter.toml）"
            "后重新启动 drafter ui；支持 DeepSeek、通义千问、智谱、Moonshot、Ollama 等兼容 OpenAI 接口的服务。")
    return (f"**模型**：{esc(hub.desk.backend())}　**向量模型**：{esc(hub.settings.embedding)}　"
            f"**索引**：{s.documents} 份文档 · {s.passages} 段 · {s.figures} 个数字<br><span class='hint'>{hint}</span>")


def draft_banner(session: DraftSession) -> str:
    d = session.info
    return f"**当前稿件**：{d.id} · {esc(d.name)} · {esc(session.title)}（{esc(session.spec.label)}）"


def requested_draft(hub: Hub, request: gr.Request | None) -> int | None:
    """`?draft=ID` in the address opens that draft: a link to a draft can be shared."""
    wanted = request.query_params.get("draft", "") if request else ""
    if not wanted.isdigit():
        return None
    try:
        return hub.session(int(wanted)).id
    except WorkspaceError as e:
        warn(str(e))
        return None


# ---- 语料库 ----

def corpus_tab(hub: Hub, status: gr.Markdown) -> Panel:
    settings = hub.settings
    upload = gr.File(label="上传往年总结（可一次选多个：.txt .md .docx .pdf .html）", file_count="multiple",
                     type="filepath", height=120, elem_id="upload")
    with gr.Row():
        ingest = gr.Button("入库", variant="primary", scale=0, min_width=160, elem_id="ingest")
    report = gr.Markdown(elem_id="ingest-report")
    docs = gr.Dataframe(headers=["文件", "单位", "年度", "期间", "章节", "数字", "提示"], interactive=False, wrap=True,
                        max_height=300, column_widths=["26%", "17%", "7%", "7%", "6%", "6%", "31%"], elem_id="documents")
    with gr.Row():
        doc = gr.Dropdown(label="选择文档（或点表格中的一行）", choices=[], scale=3, elem_id="doc-pick")
        remove = gr.Button("移除该文档", variant="stop", scale=0, min_width=160, elem_id="remove-doc")
    gr.Markdown("单位、年度或期间没能从文中读出时，在这里补填（写入同名 .meta.yaml 文件后重新入库）：")
    with gr.Row():
        org = gr.Textbox(label="单位", placeholder="如 某某县科学技术局", elem_id="meta-org")
        year = gr.Number(label="年度", value=None, precision=0, elem_id="meta-year")
        period = gr.Dropdown(label="期间", choices=[(v, k) for k, v in shelf.PERIOD_NAMES.items()], value=None,
                             elem_id="meta-period")
        fix = gr.Button("保存并重新入库", scale=0, min_width=160, elem_id="set-meta")
    with gr.Row():
        outline = gr.Markdown(elem_id="doc-outline")
        figures = gr.Dataframe(headers=["指标", "数值", "单位", "类型", "原句"], interactive=False, wrap=True,
                               max_height=360, column_widths=["22%", "10%", "8%", "10%", "50%"], scale=2,
                               elem_id="doc-figures")
    listing = [docs, doc]
    picked = [org, year, period, outline, figures]

    def listed(chosen: str | None = None) -> dict:
        rows = shelf.documents(settings)
        table = [[r.name, r.org or "—", r.year or "—", shelf.PERIOD_NAMES.get(r.period or "", "—"), r.sections,
                  r.figures, "；".join(r.warnings)] for r in rows]
        paths = [r.path for r in rows]
        return {docs: table, doc: gr.update(choices=[(r.name, r.path) for r in rows],
                                            value=chosen if chosen in paths else None), status: header(hub)}

    @guarded
    def add(files, progress=gr.Progress()):
        def on_file(path: Path, i: int, total: int) -> None:
            progress((i, total), desc=f"解析 {path.name}")

        def on_embed(done: int, total: int, rate: float) -> None:
            progress((done, total), desc="建立检索索引")

        result = shelf.add(settings, [Path(f) for f in files or []], on_file=on_file, on_embed=on_embed)
        hub.corpus_changed()
        return {**listed(), report: ingest_report(result), upload: None}

    @guarded
    def show(path):
        if not path:
            return {c: None for c in picked}
        p = shelf.preview(settings, path)
        heads = "\n".join(f"- {esc(h)}" for h in p.outline) or "（没有识别出标题）"
        return {org: p.document.org or "", year: p.document.year, period: p.document.period,
                outline: f"**{esc(p.document.title or p.document.name)}**\n\n{heads}",
                figures: [[f["indicator"], f["value"], f["unit"], FIGURE_KINDS.get(f["kind"], f["kind"])
                           + ("（对比数）" if f["scope"] == "context" else ""), f["sentence"]] for f in p.figures]}

    @guarded
    def choose(evt: gr.SelectData):
        rows = shelf.documents(settings)
        path = rows[evt.index[0]].path if evt.index[0] < len(rows) else None
        return {doc: path} | show(path)

    @guarded
    def forget(path):
        if not path:
            raise SessionError("请先选择要移除的文档。")
        shelf.remove(settings, path)
        hub.corpus_changed()
        info(f"已移除 {Path(path).name}（语料库文件夹中的文件移到了 {shelf.REMOVED} 文件夹）。")
        return {**listed(), **{c: None for c in picked}}

    @guarded
    def correct(path, org_, year_, period_):
        if not path:
            raise SessionError("请先选择要补填信息的文档。")
        result = shelf.set_meta(settings, path, org_, year_, period_)
        hub.corpus_changed()
        info(f"已写入 {Path(path).name}.meta.yaml 并重新入库。")
        return {**listed(path), report: ingest_report(result)} | show(path)

    ingest.click(add, upload, [report, upload] + listing + [status], concurrency_limit=1, concurrency_id="corpus")
    doc.input(show, doc, picked)
    docs.select(choose, None, [doc] + picked)
    remove.click(forget, doc, listing + picked + [status], concurrency_limit=1, concurrency_id="corpus")
    fix.click(correct, [doc, org, year, period], [report] + listing + picked + [status], concurrency_limit=1,
              concurrency_id="corpus")
    return Panel(listing, lambda _draft: {k: v for k, v in listed().items() if k is not status})


def ingest_report(r) -> str:
    lines = [f"新增 {len(r.added)} 份，更新 {len(r.updated)} 份，未变 {len(r.unchanged)} 份，跳过 {len(r.skipped)} 份；"
             f"本次读出 {r.sections} 个章节、{r.figures} 个数字。"]
    lines += [f"- 跳过 {esc(Path(p).name)}：{esc(reason)}" for p, reason in r.skipped]
    notes: dict[str, list[str]] = {}
    for path, warning in r.warnings:
        notes.setdefault(Path(path).name, []).append(warning)
    lines += [f"- 提示 {esc(name)}：{esc('；'.join(found))}" for name, found in notes.items()]
    return "\n".join(lines)


# ---- 稿件 ----

def drafts_tab(hub: Hub, draft: gr.State) -> tuple[Panel, list]:
    """Create and open drafts, review the outline. Returns the panel and the events that open a draft."""
    gr.Markdown("### 新建稿件")
    with gr.Row():
        org = gr.Dropdown(label="单位（可选择或直接输入）", choices=hub.desk.orgs(), allow_custom_value=True, scale=3,
                          elem_id="new-org")
        year = gr.Number(label="年度", value=date.today().year, precision=0, scale=1, elem_id="new-year")
        period = gr.Radio(label="期间", choices=PERIODS, value="annual", scale=2, elem_id="new-period")
        outline = gr.Dropdown(label="提纲", choices=outline_choices(hub), value="", scale=2, elem_id="new-outline")
        name = gr.Textbox(label="稿件名称（可不填）", scale=2, elem_id="new-name")
    with gr.Row():
        create = gr.Button("新建稿件", variant="primary", scale=0, min_width=160, elem_id="create-draft")
    gr.Markdown("### 已有稿件")
    listing = gr.Dataframe(headers=["编号", "名称", "单位", "年度", "期间", "提纲", "更新时间"], interactive=False,
                           max_height=240, elem_id="draft-list")
    with gr.Row():
        pick = gr.Dropdown(label="打开稿件", choices=[], scale=4, elem_id="draft-pick")
        open_ = gr.Button("打开", scale=0, min_width=160, elem_id="open-draft")
    gr.Markdown("### 提纲（生成前确认：取消勾选即不写这一部分；选中一行后可上移、下移、改标题；也可采用本局往年总结的提纲）")
    grid = gr.Dataframe(headers=["启用", "章节", "类型"], datatype=["bool", "str", "str"], type="array", interactive=True,
                        static_columns=[1, 2], column_widths=["10%", "65%", "25%"], max_height=560,
                        elem_id="outline-grid")
    row = gr.State(None)
    with gr.Row():
        up = gr.Button("上移", size="sm", scale=0, min_width=100, elem_id="outline-up")
        down = gr.Button("下移", size="sm", scale=0, min_width=100, elem_id="outline-down")
        retitle = gr.Textbox(label="选中一行后，填写新标题（不含序号）", scale=3, elem_id="outline-title")
        rename = gr.Button("改标题", size="sm", scale=0, min_width=100, elem_id="outline-rename")
        house = gr.Button("采用本局往年提纲", size="sm", scale=0, min_width=160, elem_id="outline-house")
    house_note = gr.Markdown(elem_id="outline-house-note")

    @guarded
    def new(org_, year_, period_, outline_, name_):
        if not (org_ or "").strip() or not year_:
            raise SessionError("请填写单位和年度。")
        session = hub.desk.create(org_.strip(), int(year_), period_, outline_ or None, (name_ or "").strip() or None)
        said = "".join(n for n in session.notices if "往年总结" in n)  # an outline and opening from the bureau's own
        info(f"已新建稿件 {session.id}：{session.title}。{said}下一步：在“数据”页填写本年数据。")
        return session.id

    @guarded
    def opened(wanted):
        if not wanted:
            raise SessionError("请先选择要打开的稿件。")
        return hub.session(int(wanted)).id

    @guarded
    def toggle(draft_id, cells):
        session = hub.session(draft_id)
        items = session.outline()
        enabled = {item.id: bool(c[0]) for item, c in zip(items, cells) if bool(c[0]) != item.enabled}
        try:
            session.set_outline(None, enabled)
        except SessionError as e:
            warn(str(e))
        return outline_rows(session)

    @guarded
    def move(draft_id, index, step):
        session = hub.session(draft_id)
        order = [item.id for item in session.outline()]
        if index is None or not 0 <= index + step < len(order):
            raise SessionError("请先在提纲中点选要移动的一行。" if index is None else "已经到头了。")
        order[index], order[index + step] = order[index + step], order[index]
        session.set_outline(order)
        return outline_rows(session), index + step

    @guarded
    def renamed(draft_id, index, heading):
        session = hub.session(draft_id)
        items = session.outline()
        if index is None or not 0 <= index < len(items) or not items[index].heading:
            raise SessionError("请先在提纲中点选要改标题的一行（开头总述段没有标题）。")
        session.rename_sections({items[index].id: re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", "",
                                                           (heading or "").strip())})
        return outline_rows(session), ""

    @guarded
    def adopted(draft_id):
        session = hub.session(draft_id)
        proposals = session.adopt_outline()
        source = session.spec.label
        lines = [f"已按{esc(source)}调整提纲：", *[esc(n) for n in session.notices if "提法" in n]]
        for p in proposals:
            target = ("评价式标题，宜按今年情况改写" if p.evaluative else "已采用") + ("（本局自有章节）" if p.own else "")
            lines.append(f"- {'　' * (p.level - 1)}{esc(p.past)} · {target}")
        return outline_rows(session), "\n".join(lines)

    def refresh(draft_id) -> dict:
        drafts = hub.desk.drafts()
        labels = dict((name, label) for label, name in outline_choices(hub))
        rows = [[d.id, d.name, d.org, d.year, "上半年" if d.period == "H1" else "全年", labels.get(d.outline, d.outline),
                 d.updated_at[:16]] for d in drafts]
        choices = [(f"{d.id} · {d.name}", d.id) for d in drafts]
        return {listing: rows, pick: gr.update(choices=choices, value=draft_id),
                org: gr.update(choices=hub.desk.orgs()), grid: outline_rows(hub.session(draft_id)) if draft_id else []}

    created = create.click(new, [org, year, period, outline, name], draft)
    chosen = open_.click(opened, pick, draft, api_name="open_draft")
    toggled = grid.input(toggle, [draft, grid], grid)
    grid.select(clicked_row, None, row)
    moved = [button.click(partial(move, step=step), [draft, row], [grid, row]) for button, step in ((up, -1), (down, 1))]
    titled = rename.click(renamed, [draft, row, retitle], [grid, retitle])
    housed = house.click(adopted, draft, [grid, house_note])
    return Panel([listing, pick, org, grid], refresh), [created, chosen, toggled, *moved, titled, housed]


def clicked_row(evt: gr.SelectData) -> int:
    return evt.index[0]


def outline_choices(hub: Hub) -> list[tuple[str, str]]:
    named = [(label, n) for n, label in hub.desk.outlines()]
    return [("按期间自动选择", "")] + named


def outline_rows(session: DraftSession) -> list[list]:
    return [[item.enabled, "　" * max(item.level - 1, 0) + (item.heading or "开头总述段"), KINDS.get(item.kind, item.kind)]
            for item in session.outline()]


# ---- 导出 ----

def export_tab(hub: Hub, draft: gr.State, tabs: gr.Tabs) -> Panel:
    with gr.Row():
        signature = gr.Textbox(label="发文机关署名", elem_id="signature", scale=2)
        when = gr.Textbox(label="成文日期（如 2025年1月10日）", elem_id="signing-date", scale=1)
    with gr.Row():
        buttons = [(gr.Button(label, elem_id=f"export-{suffix[1:]}"), suffix) for suffix, label in EXPORTS]
    with gr.Column(visible=False, elem_id="export-gate") as gate:
        gate_list = gr.Markdown(elem_id="gate-list")
        with gr.Row():
            anyway = gr.Button("仍然导出", variant="primary", elem_id="export-anyway")
            back = gr.Button("返回修改", elem_id="export-back")
    wanted = gr.State(None)  # the format asked for while the gate is shown
    file = gr.File(label="导出的文件（点击文件名下载）", interactive=False, visible=False, elem_id="download")
    todo = gr.Markdown(elem_id="todo")
    preview = gr.Markdown(elem_id="preview", height=520)

    def written(session: DraftSession, suffix: str) -> dict:
        return {file: gr.update(value=str(session.export_into(hub.export_folder(session.id), suffix)), visible=True),
                gate: gr.update(visible=False), wanted: None}

    def asked(suffix: str) -> Callable:
        @guarded
        def run(draft_id, name, day):
            session = hub.session(draft_id)
            signed = session.set_signing(name, day)
            items = session.open_items()
            if not items:
                return written(session, suffix) | {signature: signed[0], when: signed[1]}
            return {gate: gr.update(visible=True), wanted: suffix, file: gr.update(value=None, visible=False),
                    gate_list: f"**稿中还有 {len(items)} 处未处理，确定现在导出吗？**（Word 文件不带参考表述和框架文字）\n\n"
                               + open_list(items), signature: signed[0], when: signed[1]}
        return run

    @guarded
    def anyway_export(draft_id, suffix):
        return written(hub.session(draft_id), suffix) if suffix else {gate: gr.update(visible=False)}

    outputs = [file, gate, gate_list, wanted, signature, when]
    for button, suffix in buttons:
        button.click(asked(suffix), [draft, signature, when], outputs)
    anyway.click(anyway_export, [draft, wanted], [file, gate, wanted])
    back.click(lambda: {gate: gr.update(visible=False), wanted: None, tabs: gr.Tabs(selected="review")}, None,
               [gate, wanted, tabs])

    def refresh(draft_id) -> dict:
        hidden = {file: gr.update(value=None, visible=False), gate: gr.update(visible=False), wanted: None}
        if not draft_id:
            return {preview: "尚未打开稿件。", todo: "", signature: "", when: ""} | hidden
        session = hub.session(draft_id)
        items = session.open_items()
        name, day = session.signing()
        return {preview: session.markdown(escape=esc), signature: name, when: day,
                todo: f"**稿中还有 {len(items)} 处未处理**（数字在“数据”中填上后就地更新，其余请在“起草与审阅”中修改）：\n\n"
                + open_list(items) if items else "稿中没有未处理的问题。"} | hidden

    return Panel([preview, todo, signature, when, file, gate, wanted], refresh)


def open_list(items) -> str:
    """Open items grouped by section, each with its kind."""
    lines, last = [], None
    for item in items:
        if item.heading != last:
            lines.append(f"- **{esc(item.heading)}**")
            last = item.heading
        lines.append(f"    - {esc(item.label)}：{esc(item.text[:80])}")
    return "\n".join(lines)


# ---- serving ----

def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 7860, insecure: bool = False) -> None:
    """Serve the UI until interrupted. Off the loopback interface, sign-in is required unless `insecure`."""
    auth = sign_in(read_users(settings.ui_auth)) if settings.ui_auth else None
    if auth is None and not loopback(host) and not insecure:
        raise ConfigError(f"不登录就在 {host} 上开放，同一网络中的任何人都能读写稿件，因此没有启动。"
                          "请设置 DRAFTER_UI_AUTH 指向用户文件（每行一个“用户名:密码的 sha256 十六进制摘要”），"
                          "或只在本机使用（--host 127.0.0.1）；确需不登录开放时加 --insecure。")
    launch(build_ui(settings), host=host, port=port, auth=auth, max_file_mb=settings.max_file_mb)


def launch(demo: gr.Blocks, *, host: str, port: int, auth: Callable[[str, str], bool] | None = None,
           max_file_mb: float = 20, block: bool = True):
    """Start the server with what keeps every request on this machine; `block=False` returns (app, url, _)."""
    theme = gr.themes.Default(primary_hue="blue", font=FONTS, font_mono=MONO)
    try:
        started = demo.launch(server_name=host, server_port=port, auth=auth, auth_message="请用分配给你的账号登录。",
                              prevent_thread_lock=True, theme=theme, css=CSS, footer_links=[], ssr_mode=False, pwa=False,
                              mcp_server=False, enable_monitoring=False, share=False, show_error=False, quiet=True,
                              max_file_size=int(max_file_mb * 1024 * 1024),
                              app_kwargs={"middleware": [Middleware(SignedInOnly)]})
    except OSError as e:
        raise ConfigError(f"无法在 {host}:{port} 上启动界面：端口已被占用或地址不可用。请换一个端口（--port 7861），"
                          "或先关闭占用它的程序（可能是另一个 drafter ui）。") from e
    if block:  # Gradio's own banner would suggest share=True, which this tool never does
        print(f"drafter 界面已启动：{started[1]}　（按 Ctrl+C 停止）", flush=True)
        demo.block_thread()
    return started


class SignedInOnly:
    """Gradio answers /cancel and /reset without asking who is signed in; with sign-in on, they need a session
    that signed in (anyone else could stop a colleague's drafting run)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/").endswith(("/cancel", "/reset")):
            app = scope.get("app")
            if getattr(app, "auth", None) and _token(scope, app) not in app.tokens:
                await PlainTextResponse("请先登录。", status_code=401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _token(scope, app) -> str | None:
    cookies = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookies.load(value.decode("latin-1"))
    found = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return found.value if found else None


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


