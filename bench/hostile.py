"""Hostile probes (not a test run for CI): every probe of tests/test_hardening.py and tests/test_hostile.py is run
and reported as probe | expected | observed | held, for bench/report.md.

    .venv/bin/python bench/hostile.py

Each probe is a test that failed before its fix; its docstring-free name says the behaviour expected, and a failing
probe prints the assertion that broke. Finishes in well under five minutes.
"""

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("tests/test_hardening.py", "tests/test_hostile.py")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "probes.xml"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *FILES],
                       cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        cases = ET.parse(report).getroot().iter("testcase")
        rows = []
        for case in cases:
            broke = case.find("failure") if case.find("failure") is not None else case.find("error")
            skipped = case.find("skipped") is not None
            observed = "skipped" if skipped else ("as expected" if broke is None else (broke.get("message") or "")[:80])
            name = case.get("name", "")
            rows.append((case.get("classname", "").rsplit(".", 1)[-1], name, observed,
                         "—" if skipped else ("yes" if broke is None else "NO")))
    print("| file | probe (expected behaviour) | observed | held |\n|---|---|---|---|")
    for file, name, observed, held in rows:
        expected = name.removeprefix("test_").replace("_", " ")
        print(f"| {file} | {expected} | {observed} | {held} |")
    held = sum(r[3] == "yes" for r in rows)
    print(f"\n{held} of {len(rows)} probes held ({seconds:.0f} s).")


if __name__ == "__main__":
    main()
