"""Driving the drafter UI with Playwright: launching the app on a free loopback port, and the few gestures
the tests repeat (open a tab, pick from a dropdown, edit a grid cell, read a toast)."""

import http.server
import re
import shutil
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "ui"
VIEWPORT = {"width": 1366, "height": 768}
LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of an ingested index, so that a test may add or remove documents."""
    shutil.copytree(source, target)
    return target


@contextmanager
def served(settings, auth=None):
    """The app of these settings, launched in this process; yields its address."""
    from drafter.ui.app import build_ui, launch

    demo = build_ui(settings)
    _, url, _ = launch(demo, host="127.0.0.1", port=free_port(), auth=auth, block=False)
    try:
        yield url.rstrip("/")
    finally:
        demo.close()


class Visit:
    """One browser context on the app, recording every request its pages make."""

    def __init__(self, browser: Browser, url: str):
        self.url = url
        self.context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(10000)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page: Page = self.context.new_page()

    def open(self, draft: int | None = None) -> Page:
        self.page.goto(self.url + (f"/?draft={draft}" if draft else "/"))
        expect(self.page.locator("#status-line")).to_contain_text("索引", timeout=15000)
        if draft:
            expect(self.page.locator("#current-draft")).to_contain_text(f"当前稿件：{draft} ·")
        return self.page

    def outside(self) -> list[str]:
        """Requests that went anywhere but the app itself."""
        return [u for u in self.requests if not u.startswith(LOCAL)]

    def close(self) -> None:
        self.context.close()


def tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def choose(page: Page, dropdown: str, option: str) -> None:
    """Pick an option of a gr.Dropdown by its label."""
    field = page.locator(f"#{dropdown} input")
    field.click()
    field.fill(option)  # the list is filtered to the options containing it, the first one active
    expect(page.locator(f"#{dropdown}").get_by_role("option", name=option, exact=True)).to_be_visible()
    page.keyboard.press("Enter")  # clicking an option can wait seconds for the list to stop moving


def type_into(page: Page, box: str, text: str) -> None:
    field = page.locator(f"#{box} textarea, #{box} input").first
    field.fill(text)


def cell(page: Page, grid: str, key: str, col: int, key_col: int = 0):
    """The cell in column `col` of the grid row whose cell in `key_col` reads `key` (found afresh on each use,
    as rows move when the grid is re-sorted)."""
    keyed = page.locator(f"[data-col='{key_col}']").filter(has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    return page.locator(f"#{grid} [role=row]").filter(has=keyed).locator(f"[data-col='{col}']")


def edit_cell(page: Page, grid: str, first_cell: str, col: int, value: str, kept: bool = True) -> None:
    """Type a value into a cell; once more if a slow page took the keys before the cell was open for editing
    (`kept`: the value stays in the cell; not so for one the page refuses)."""
    for attempt in range(2):
        cell(page, grid, first_cell, col).dblclick()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        if not kept:
            return
        try:
            expect(cell(page, grid, first_cell, col)).to_contain_text(value, timeout=3000)
            return
        except AssertionError:
            if attempt:
                raise


def toast(page: Page, text: str, timeout: float = 15000) -> None:
    expect(page.get_by_test_id("toast-body").filter(has_text=text).first).to_be_visible(timeout=timeout)


def shot(page: Page, name: str) -> Path:
    """The window as a 1366×768 screen shows it, once nothing on it is still loading."""
    try:
        page.locator(".progress-text").first.wait_for(state="detached", timeout=10000)
    except Exception:  # noqa: BLE001 — a page that keeps a spinner is shot as it is, for someone to look at
        pass
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


class Watched:
    """A loopback web server standing in for a server outside: it counts what is fetched from it."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
