"""Number preservation over refine actions (not a test): does a rewrite that adds or drops facts get caught?

    .venv/bin/python bench/refine.py prompts DIR   # DIR/cases.json: the exact refine messages of 48 actions
    .venv/bin/python bench/refine.py score DIR     # replay DIR/answers/<case>.txt, score against DIR/labels.json

bench/refine_review/ holds the 48 cases answered and labelled by someone acting as the model (not shown the checker).

The sample draft is written offline from the sample facts; each case is one section and one instruction (the
five quick actions on eight body sections, and free instructions). Someone acting as the model answers each
case in DIR/answers/<case>.txt, sometimes faithfully and sometimes adding or dropping facts or notes on
purpose, and labels what the answer changed in DIR/labels.json: {case: {"added": [indicator], "dropped":
[indicator], "notes_lost": [note]}} (an empty object for a faithful answer). `score` replays every answer
through `session.refine` against a loopback server (a repair request gets the same answer again: the worst
model) and counts each labelled change as caught when a finding of its kind names it, and each keeping finding
on a faithful answer as a false alarm. An addition that 补充数据 asked for is not a change to catch.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from chat_server import ChatServer, Text, last_user_text  # noqa: E402
from drafter.config import Settings  # noqa: E402
from drafter.ingest.pipeline import ingest  # noqa: E402
from drafter.llm import chat_model  # noqa: E402
from drafter.session import Desk, SessionError, quick_actions  # noqa: E402

FACTS = ROOT / "corpus" / "facts" / "示例县科学技术局2024年.yaml"
SECTIONS = ("indicators", "enterprises", "platforms", "cooperation", "talent", "finance_ip", "rural_outreach", "party")
FREE = [("enterprises", "第二点写得再具体一些"), ("platforms", "语气更积极一些"), ("cooperation", "把成效写在前面"),
        ("talent", "压缩成一段话"), ("finance_ip", "加上同比增长的数字"), ("indicators", "改成一句一个指标"),
        ("rural_outreach", "删去第三是"), ("party", "更简洁")]


def settings(work: Path) -> Settings:
    return Settings(corpus_dir=ROOT / "corpus", index_dir=work / "index", workspace=work / "ws", embedding="hash")


def cases(base: Settings) -> list[dict]:
    actions = quick_actions(base.prompts_dir)
    pairs = [(sid, name) for sid in SECTIONS for name in actions] + FREE
    return [{"case": f"r{i:02d}", "section": sid, "instruction": actions.get(name, name), "action": name}
            for i, (sid, name) in enumerate(pairs, 1)]


def prompts(folder: Path, work: Path) -> None:
    base = settings(work)
    ingest(base)
    session = Desk(base, offline_model=True).quick(facts=FACTS)
    session.generate()
    engine = session.engine(with_model=False)
    out = []
    for case in cases(base):
        text = session.history(case["section"])[-1].text
        messages = engine.refine_messages(session.section(case["section"]), text, case["instruction"])
        out.append({**case, "text": text, "notes": list(session.notes().get(case["section"], ())),
                    "messages": [{"role": m.type, "content": m.content} for m in messages]})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cases.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), "utf-8")
    print(f"{len(out)} cases written to {folder / 'cases.json'}")


def score(folder: Path, work: Path) -> None:
    all_cases = json.loads((folder / "cases.json").read_text("utf-8"))
    labels = json.loads((folder / "labels.json").read_text("utf-8"))
    answers = {c["case"]: (folder / "answers" / f"{c['case']}.txt").read_text("utf-8").strip() for c in all_cases
               if (folder / "answers" / f"{c['case']}.txt").exists()}
    by_prompt = {c["messages"][-1]["content"]: answers[c["case"]] for c in all_cases if c["case"] in answers}
    current: dict = {}

    def respond(request):  # the refine prompt gets its answer; a repair request the same answer again
        return Text(by_prompt.get(last_user_text(request)) or current["answer"])

    base = settings(work)
    ingest(base)
    planted = caught = faithful = false_alarms = unchanged = 0
    rows = []
    with ChatServer(respond) as server:
        live = base.model_copy(update={"llm_base_url": server.url, "llm_timeout": 30.0, "llm_max_retries": 0})
        desk = Desk(live, model=chat_model(live))
        for c in (c for c in all_cases if c["case"] in answers):
            current["answer"] = answers[c["case"]]
            session = desk.create("示例县科学技术局", 2024, name=c["case"])
            session.import_facts(FACTS)
            session.edit(c["section"], c["text"])
            try:
                v = session.refine(c["section"], c["instruction"])
                findings = [f for f in v.findings if f.kind in ("fact_added", "fact_dropped", "note_dropped")]
            except SessionError as e:
                findings, unchanged = [], unchanged + ("完全相同" in str(e))
            label = labels.get(c["case"], {})
            changes = [("fact_added", x) for x in label.get("added", []) if c["action"] != "补充数据"]
            changes += [("fact_dropped", x) for x in label.get("dropped", [])]
            changes += [("note_dropped", x[:24]) for x in label.get("notes_lost", [])]
            hit = [(k, x) for k, x in changes if any(f.kind == k and x in f.message for f in findings)]
            planted, caught = planted + len(changes), caught + len(hit)
            if not changes:
                faithful += 1
                false_alarms += bool(findings)
            rows.append((c["case"], c["section"], c["action"], len(changes), len(hit),
                         "；".join(f"{f.kind}:{f.message}" for f in findings)[:120]))
    print("| case | section | instruction | planted | caught | findings |\n|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")
    print(f"\n{len(rows)} refine actions: {planted} planted changes, {caught} caught "
          f"({caught / planted:.0%} caught)" if planted else f"\n{len(rows)} refine actions, no planted change")
    print(f"{faithful} faithful answers, {false_alarms} with a false alarm; {unchanged} identical answers saved no version")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("prompts", "score"))
    parser.add_argument("dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (prompts if args.step == "prompts" else score)(args.dir, Path(tmp))


if __name__ == "__main__":
    main()
