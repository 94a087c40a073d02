"""Number form across a whole document (GB/T 15835): dates written 2024年3月5日 without leading zeros, one way
of writing a percentage, and one unit and precision for the same amount of money."""

import re

from drafter.models import Finding
from drafter.numbers.checks import decimals, mentions
from drafter.numbers.facts import MONEY

_PADDED_DATE = re.compile(r"\d{4}年0\d月|(?<=月)0\d日")
_OTHER_DATE = re.compile(r"(?<![\d.])(?:19|20)\d{2}([-/.])\d{1,2}\1\d{1,2}(?![\d.])")
_CN_PERCENT = re.compile(r"百分之[零〇一二两三四五六七八九十百点]+")


def form_findings(text: str) -> list[Finding]:
    """Findings of kind number_form: each a figure written differently from the rest of the document."""
    out = [Finding("number_form", m.start(), m.end(), m.group(0), f"“{m.group(0)}”的月、日前补了 0。",
                   "月、日不编虚位：写作 2024年3月5日。") for m in _PADDED_DATE.finditer(text)]
    out += [Finding("number_form", m.start(), m.end(), m.group(0), f"日期“{m.group(0)}”不是公文的写法。",
                    "写作 2024年3月5日。") for m in _OTHER_DATE.finditer(text)]
    if "%" in text:
        out += [Finding("number_form", m.start(), m.end(), m.group(0), f"全文百分数写作 %，这里写作“{m.group(0)}”。",
                        "统一写作阿拉伯数字加 %。") for m in _CN_PERCENT.finditer(text)]
    return sorted(out + _money_forms(text), key=lambda f: f.start)


def _money_forms(text: str) -> list[Finding]:
    """The same amount written first one way (5.30亿元) and later another (53000万元, 5.3亿元)."""
    first: dict[float, object] = {}
    out = []
    for m in mentions(text):
        if m.unit not in MONEY:
            continue
        amount = round(m.value * MONEY[m.unit], 2)
        seen = first.setdefault(amount, m)
        if seen is not m and (seen.unit != m.unit or decimals(seen.text) != decimals(m.text)):
            out.append(Finding("number_form", m.start, m.end, m.text, f"同一金额前文写作“{seen.text}”，这里写作“{m.text}”。",
                               "同一金额全文用同一单位和小数位数。"))
    return out
