"""What every tab of the UI shares: the process-wide Desk, error handling, Chinese labels and HTML rendering."""

import functools
import html
import inspect
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# Before gradio is imported (the other UI modules take `gr` from here): no analytics, no Hub lookups.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
import gradio as gr  # noqa: E402

from drafter.config import Settings  # noqa: E402
from drafter.errors import DrafterError  # noqa: E402
from drafter.models import Event, Finding  # noqa: E402
from drafter.session import (  # noqa: E402, F401
    KIND_LABELS,
    ORIGINS,
    ROLES,
    Desk,
    DraftSession,
    Progress,
    SectionState,
    SessionError,
)

log = logging.getLogger(__name__)

NO_DRAFT = "请先在“稿件”页新建或打开一份稿件。"


class Hub:
    """The Desk every browser of this process shares; replaced when the corpus changes, so that new
    drafting runs search the new index (a Desk builds its retriever once)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.desk = Desk(settings)
        self._locks: dict[int, threading.Lock] = {}
        self._sessions: dict[int, DraftSession] = {}
        self._guard = threading.Lock()
        self._exports = tempfile.TemporaryDirectory(prefix="drafter-export-")  # one folder, removed at exit

    def export_folder(self, draft_id: int) -> Path:
        """Where a draft's exports are written before the browser fetches them: one folder per draft, reused."""
        folder = Path(self._exports.name) / str(int(draft_id))
        folder.mkdir(exist_ok=True)
        return folder

    def writing(self, draft_id: int) -> threading.Lock:
        """One writer at a time per draft in this process: Gradio may deliver one grid edit twice, and a
        facts change patches every section, which should not interleave with an edit of the same draft."""
        with self._guard:
            return self._locks.setdefault(int(draft_id), threading.Lock())

    def session(self, draft_id: int | None) -> DraftSession:
        """The draft, opened once per process: a session keeps its state in the workspace and caches only
        what is derived from it (the outline file, facts tables by revision)."""
        if not draft_id:
            raise SessionError(NO_DRAFT)
        with self._guard:
            found = self._sessions.get(int(draft_id))
        if found is None:
            found = self.desk.open(int(draft_id))
            with self._guard:
                self._sessions[found.id] = found
        return found

    def warm_up(self) -> None:
        """Build the model client and the retriever in the background, so that the first 全部生成 of the
        process does not wait for them (about a second: imports, the vector store)."""
        desk = self.desk
        threading.Thread(target=lambda: (desk.model, desk.retriever), daemon=True).start()

    def corpus_changed(self) -> None:
        """New drafting runs use the new index; sessions forget the past summaries they had read."""
        with self._guard:
            self.desk, self._sessions = Desk(self.settings), {}


def guarded(fn: Callable) -> Callable:
    """A handler whose DrafterErrors show as a readable message and whose bugs never show a traceback."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def stream(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 — every failure reaches the writer as one readable line
                raise _readable(e) from e
        return stream

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001
            raise _readable(e) from e
    return call


def _readable(e: Exception) -> Exception:
    if isinstance(e, gr.Error):
        return e
    if isinstance(e, DrafterError):
        return gr.Error(esc(str(e)), print_exception=False)  # a server's error text may carry <img src=…>
    log.exception("UI handler failed")
    return gr.Error(f"内部错误（{type(e).__name__}），操作没有完成。请把运行 drafter ui 的终端里的错误信息发给维护人员。")


def warn(message: str) -> None:
    gr.Warning(esc(message))


def info(message: str) -> None:
    gr.Info(esc(message))


# ---- streaming: the session calls on_event from worker threads; a handler yields page updates ----

class Bridge:
    """Run `work(on_event)` in a thread and hand its events over in batches, `interval` seconds apart at most."""

    def __init__(self, work: Callable[[Callable[[Event], None]], object], interval: float = 0.15, tick: float = 2.0):
        self._events: queue.Queue = queue.Queue()
        self._interval, self._tick = interval, tick
        self._outcome: dict = {}
        threading.Thread(target=self._run, args=(work,), daemon=True).start()

    def _run(self, work) -> None:
        try:
            self._outcome["result"] = work(self._events.put)
        except Exception as e:  # noqa: BLE001 — handed to the handler's thread, which reports it
            self._outcome["error"] = e
        finally:
            self._events.put(None)

    def __iter__(self) -> Iterator[list[Event]]:
        finished = False
        while not finished:
            try:
                batch = [self._events.get(timeout=self._tick)]
            except queue.Empty:  # nothing new for a while: an empty batch, so the page shows the time waited
                yield []
                continue
            deadline = time.monotonic() + self._interval
            while batch[-1] is not None and (left := deadline - time.monotonic()) > 0:
                try:
                    batch.append(self._events.get(timeout=left))
                except queue.Empty:
                    break
            finished = batch[-1] is None
            yield [e for e in batch if e is not None]

    @property
    def result(self):
        """The work's return value; its exception is raised here."""
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome.get("result")


STATUS = {"queued": "排队中", "writing": "生成中…", "repair": "核对后修改中…", "done": "已完成", "failed": "生成失败",
          "saved": "已保存", "kept": "", "empty": "尚未生成"}


class Live:
    """The page's view of a drafting run: every section's status and its text so far."""

    def __init__(self, states: list[SectionState], wanted: set[str]):
        self.states = [s for s in states if s.kind != "heading"]
        self.progress = Progress({s.id: heading(s.heading) for s in self.states})
        self.status = {s.id: "queued" if s.id in wanted else "kept" if s.version else "empty" for s in self.states}
        self.kept = {s.id: s.version.text if s.version else "" for s in self.states}
        self.text = dict(self.kept)
        self.note = {s.id: _kept_note(s) for s in self.states}

    def apply(self, events: list[Event]) -> None:
        for e in events:
            self.progress.apply(e)
            if e.kind == "started":
                self.status[e.section], self.text[e.section], self.note[e.section] = "writing", "", ""
            elif e.kind == "delta":
                self.text[e.section] += e.text
                if self.note[e.section].startswith("已发出提示"):
                    self.note[e.section] = ""  # the answer is coming: the wait is over
            elif e.kind == "repair":
                self.status[e.section], self.note[e.section] = "repair", e.text
            elif e.kind == "asked" and e.usage:
                self.note[e.section] = f"已发出提示 {e.usage.prompt_chars:,} 字，等待模型作答"
            elif e.kind == "done":
                self.status[e.section], self.text[e.section] = "done", e.text
                self.note[e.section] = _took(e)
            elif e.kind == "failed":
                self.status[e.section], self.note[e.section] = "failed", f"{e.text}（保留原有文字）"
                self.text[e.section] = self.kept[e.section]
            elif e.kind == "saved":
                self.status[e.section] = "saved"
                self.note[e.section] = " · ".join(x for x in (f"第{e.text}版", self.note[e.section]) if x)

    def html(self) -> str:
        running = "".join(f"<div class='muted'>{esc(line)}</div>" for line in self.progress.waiting())
        head = f"<div class='live-progress'><b>{esc(self.progress.summary())}</b>{running}</div>" \
            if self.progress.queued else ""
        return "<div class='live'>" + head + "".join(self._card(s) for s in self.states) + "</div>"

    def _card(self, s: SectionState) -> str:
        status = self.status[s.id]
        badge = " · ".join(x for x in (STATUS[status], self.note[s.id]) if x)
        body = esc(self.text[s.id]) or "<span class='muted'>（无正文）</span>"
        return (f"<div class='live-section' data-section='{s.id}' data-status='{status}'>"
                f"<div class='live-head'><b>{esc(heading(s.heading))}</b><span class='badge {status}'>{esc(badge)}</span>"
                f"</div><div class='live-text'>{body}</div></div>")


def _took(e: Event) -> str:
    u = e.usage
    if not u or not u.calls:
        return ""
    parts = [f"首字 {u.first_token:.0f} 秒" if u.first_token is not None else "",
             f"{u.tokens_per_second:.1f} tokens/秒" if u.tokens_per_second else "",
             f"修改 {u.repairs} 轮" if u.repairs else ""]
    return " · ".join(p for p in parts if p)


def _kept_note(s: SectionState) -> str:
    if s.stale:
        return f"需重新生成：{s.stale}"
    return f"第{s.version.number}版 · {ORIGINS.get(s.version.origin, s.version.origin)}" if s.version else ""


# ---- rendering ----

def esc(text: str) -> str:
    """User or model text made inert for an HTML or a Markdown view: no tags, and no [ ] from which Markdown
    would build an image (![](https://…) would be fetched from outside the machine when shown)."""
    return html.escape(text or "", quote=True).replace("[", "&#91;").replace("]", "&#93;")


def heading(text: str) -> str:
    """A section's heading; the untitled opening paragraph has a name too."""
    return text or "开头总述段"


def number(value: float | None) -> str:
    """A cell of the facts grid: 98, 5.3, 1234567 — never 98.0 or 1.2e+06."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}".rstrip("0").rstrip(".")


def marked(text: str, findings: tuple[Finding, ...]) -> str:
    """A section's saved text with each finding marked, then the findings with what to do about each."""
    if not text:
        return "<p class='muted'>这一部分还没有正文。</p>"
    if not findings:
        return "<p class='ok'>核对：没有发现问题。</p>"
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        start = f.start if text[f.start:f.end] == f.text else text.find(f.text, pos)
        if start < pos or not f.text:
            continue  # overlapping or no longer in the text: listed below only
        end = start + len(f.text)
        out += [esc(text[pos:start]), f"<mark class='finding {f.kind}' title='{esc(f.message)}'>{esc(text[start:end])}</mark>"]
        pos = end
    out.append(esc(text[pos:]))
    body = f"<div class='draft-text'>{''.join(out)}</div>"
    items = "".join(f"<li><b>{KIND_LABELS.get(f.kind, f.kind)}</b>　“{esc(f.text)}”：{esc(f.message)}"
                    + (f"<br><span class='fix'>建议：{esc(f.suggestion)}</span>" if f.suggestion else "") + "</li>"
                    for f in findings)
    return f"<p>核对发现 {len(findings)} 处问题（正文中已标出）：</p>{body}<ol class='findings'>{items}</ol>"


def diff_html(runs: list[tuple[str, str]]) -> str:
    """Deletions struck through in red, insertions in green."""
    parts = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
    body = "".join(parts[op].format(esc(text)) for op, text in runs)
    return f"<div class='diff draft-text'>{body or '（两个版本相同）'}</div>"


CSS = """
.muted { color: #6b7280; }
.ok { color: #15803d; }
.draft-text { white-space: pre-wrap; line-height: 1.9; font-size: 15px; }
mark.finding { background: #fde68a; border-bottom: 2px solid #d97706; padding: 0 1px; }
mark.finding.unverified_number, mark.finding.target_as_actual, mark.finding.plan_as_done { background: #fecaca; border-color: #dc2626; }
ol.findings li { margin: 4px 0; }
ol.findings .fix { color: #1d4ed8; }
.diff del { color: #b91c1c; background: #fee2e2; text-decoration: line-through; }
.diff ins { color: #15803d; background: #dcfce7; text-decoration: none; }
.live { display: flex; flex-direction: column; gap: 6px; max-height: 340px; overflow-y: auto; }
.live-section { border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 10px; }
.live-head { display: flex; justify-content: space-between; gap: 12px; font-size: 14px; }
.live-text { white-space: pre-wrap; line-height: 1.7; font-size: 13px; color: #374151; }
/* a finished or waiting section shows its first line; the one being written shows all it has so far */
.live-section:not([data-status=writing]):not([data-status=repair]) .live-text {
  display: -webkit-box; -webkit-line-clamp: 1; -webkit-box-orient: vertical; overflow: hidden; white-space: normal; }
.badge { font-size: 13px; color: #374151; text-align: right; }
.badge.writing, .badge.repair { color: #1d4ed8; }
.badge.saved, .badge.done { color: #15803d; }
.badge.failed { color: #b91c1c; }
#title h3 { margin: 0; }
#preview { border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 20px; }
#status-line p, #current-draft p { margin: 0; font-size: 14px; }
#status-line .hint { color: #6b7280; font-size: 12px; }
/* Gradio titles its toasts with the English type name whatever the title given: show ours instead */
.toast-title { font-size: 0 !important; }
.toast-title > * { font-size: var(--text-sm); }
.toast-title::before { font-size: var(--text-lg); }
.toast-title.error::before { content: "出错了"; }
.toast-title.warning::before { content: "提醒"; }
.toast-title.info::before, .toast-title.success::before { content: "完成"; }
footer { display: none !important; }
"""
