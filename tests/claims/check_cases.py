"""Sanity check of tests/claims/cases.jsonl (not a scorer; runs no checker).

Usage: .venv/bin/python tests/claims/check_cases.py
Checks: valid JSON per line, required keys, facts file exists, text length 80-400,
every defects[].text and legit[] entry occurs exactly once in its text, labelled spans
do not overlap, class names are known, each class has >= 7 defects, copied_text spans
occur verbatim in a past summary under corpus/. Prints counts per class.
"""
import collections
import html
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLASSES = ["wrong_indicator", "wrong_year", "inconsistent_prior", "target_as_actual",
           "plan_as_done", "context_as_local", "rank", "arithmetic", "conflict",
           "qualifier", "unverified_number", "copied_text"]


def corpus_texts():
    out = {}
    for p in sorted((ROOT / "corpus").iterdir()):
        if p.suffix in (".txt", ".md"):
            out[p.name] = p.read_text(encoding="utf-8")
        elif p.suffix == ".html":
            out[p.name] = html.unescape(re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8")))
        elif p.suffix == ".docx":
            import docx
            out[p.name] = "\n".join(par.text for par in docx.Document(str(p)).paragraphs)
    return out


def main():
    errors, counts, clean, n = [], collections.Counter(), 0, 0
    corpus = corpus_texts()
    ids = set()
    for ln, line in enumerate((ROOT / "tests/claims/cases.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            c = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {ln}: bad JSON: {e}")
            continue
        n += 1
        cid = c.get("id", f"line{ln}")
        for k in ("id", "facts", "section", "text", "defects", "legit"):
            if k not in c:
                errors.append(f"{cid}: missing key {k}")
        if cid in ids:
            errors.append(f"{cid}: duplicate id")
        ids.add(cid)
        if not (ROOT / c["facts"]).is_file():
            errors.append(f"{cid}: facts file {c['facts']} not found")
        text = c["text"]
        if not 80 <= len(text) <= 400:
            errors.append(f"{cid}: text length {len(text)} outside 80-400")
        spans = []
        for d in c["defects"]:
            if d["class"] not in CLASSES:
                errors.append(f"{cid}: unknown class {d['class']}")
            counts[d["class"]] += 1
            if not d.get("why"):
                errors.append(f"{cid}: defect without why")
            spans.append(("defect", d["text"]))
            if d["class"] == "copied_text":
                if len(d["text"]) < 20:
                    errors.append(f"{cid}: copied_text span shorter than 20 chars")
                if not any(d["text"] in t for t in corpus.values()):
                    errors.append(f"{cid}: copied_text span not found verbatim in corpus: {d['text']}")
        spans += [("legit", s) for s in c["legit"]]
        ranges = []
        for kind, s in spans:
            k = text.count(s)
            if k != 1:
                errors.append(f"{cid}: {kind} {s!r} occurs {k} times")
                continue
            a = text.index(s)
            ranges.append((a, a + len(s), kind, s))
        ranges.sort()
        for (a1, b1, k1, s1), (a2, b2, k2, s2) in zip(ranges, ranges[1:]):
            if a2 < b1:
                errors.append(f"{cid}: overlapping spans {k1} {s1!r} / {k2} {s2!r}")
        if not c["defects"]:
            clean += 1
    for cls in CLASSES:
        print(f"{cls:20s} {counts[cls]}")
        if counts[cls] < 7:
            errors.append(f"class {cls} has only {counts[cls]} defects")
    print(f"cases {n}, clean {clean}, defects {sum(counts.values())}")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
