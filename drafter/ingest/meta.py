"""Infer a document's org, year, period and title; a sidecar NAME.meta.yaml overrides."""

import re
from dataclasses import replace
from pathlib import Path

import yaml

from drafter import yamltext
from drafter.errors import CorpusError
from drafter.models import DocMeta, Section
from drafter.numbers.figures import ORG

_PLACEHOLDER = re.compile(r"[xX×*]|某|××")
_GENERIC_PLACES = {"县", "市", "区", "全县", "全市", "全区", "我县", "我市", "我区", "本县", "本市", "本区", "县区"}
_TITLE_WORDS = re.compile(r"工作总结|工作打算|工作思路|工作安排|工作要点|工作报告|年度总结|科技工作")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_EXTENSIONS = re.compile(r"\.(docx?|pdf|txt|html?|md)$", re.I)
PERIODS = {"annual", "H1", "other"}


def infer_meta(text: str, sections: list[Section], hints: dict[str, str], path: Path) -> tuple[DocMeta, list[str]]:
    """Metadata from title, portal hints, headings and file name. Unknown stays None, with a warning."""
    title = hints.get("名称") or hints.get("标题") or _title_line(text) or _title_from_name(path)
    org = _org(title, hints, text, path)
    year = _year(title, sections, text, path)
    period = _period(title or path.stem, year)
    meta = DocMeta(org=org, year=year, period=period, title=title)
    return meta, missing(meta, path)


def missing(meta: DocMeta, path: Path) -> list[str]:
    """What could not be read, and how the writer supplies it."""
    return [f"看不出{label}：请在 {path.name}.meta.yaml 中写 {name}: …，或导入时用 --{name} 指定。"
            for name, label in (("org", "单位"), ("year", "年度"), ("period", "期间")) if getattr(meta, name) is None]


_TITLE_IN_TEXT = re.compile(
    r"[\u4e00-\u9fff\dxX]{2,30}?(?:工作总结|年度总结)(?:[和及暨与][\u4e00-\u9fff\dxX]{0,20}?(?:打算|思路|安排|计划|要点))?")


def _title_line(text: str) -> str | None:
    for line in text.split("\n")[:15]:
        line = _EXTENSIONS.sub("", line.strip())
        if len(line) <= 60 and "。" not in line and _TITLE_WORDS.search(line) and len(line) > 6:
            return line
    m = _TITLE_IN_TEXT.search(text[:400])  # a scrape squashed onto one line: the title is its first phrase
    return m.group(0) if m else None


def _title_from_name(path: Path) -> str | None:
    stem = path.name.split(".")[0]
    return stem if _TITLE_WORDS.search(stem) else None


def _org(title: str | None, hints: dict[str, str], text: str, path: Path) -> str | None:
    """Org only from places where it stands alone: title start, portal fields, a signature line, file name."""
    candidates = [title or ""]
    for key in ("发布机构", "来源", "发文机关"):
        candidates += re.split(r"[、,，;；\s]+", hints.get(key, ""))
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    candidates += [line for line in lines[:5] + lines[-3:] if len(line) <= 20]
    candidates.append(path.stem)
    for candidate in candidates:
        m = ORG.match(candidate.strip())
        if m and m.group(1) not in _GENERIC_PLACES and not _PLACEHOLDER.search(m.group(1)):
            return m.group(0)
    return None


def _year(title: str | None, sections: list[Section], text: str, path: Path) -> int | None:
    if title and (m := re.search(r"((?:19|20)\d{2})\s*年(?:度)?(?:工作)?(?:总结|回顾)", title)):
        return int(m.group(1))  # 2025年工作计划和2024年工作总结: the year it reviews
    if title and (m := _YEAR.search(title)):
        return int(m.group(1))
    for s in sections:
        if s.level == 1 and s.part == "review" and (m := _YEAR.search(s.title)):
            return int(m.group(1))
    if m := re.match(r"\s*((?:19|20)\d{2})年(?:上半年|以来|全年)?[,，]", _opening(text, sections)):
        return int(m.group(1))
    if m := _YEAR.search(path.stem):
        return int(m.group(1))
    return None


def _opening(text: str, sections: list[Section]) -> str:
    """The first body paragraph after the title, where 公文 state the year (2019年，市科技局…)."""
    pre = sections[0].body if sections and sections[0].level == 0 else text
    lines = [line for line in pre.split("\n") if len(line) > 30]
    return lines[0] if lines else ""


def _period(title: str, year: int | None) -> str | None:
    if re.search(r"上半年|半年", title):
        return "H1"
    if re.search(r"\d{1,2}\s*[-—~至]\s*\d{1,2}\s*月|前三季度|第[一二三四]季度|一季度|三季度", title):
        return "other"
    if re.search(r"年度|全年|年终|年工作总结|年科技工作总结|工作总结", title):
        return "annual"
    return "annual" if year is not None and "总结" in title else None


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.yaml")


def apply_overrides(meta: DocMeta, path: Path, cli: dict) -> DocMeta:
    """Sidecar NAME.meta.yaml, then CLI flags, override what was inferred."""
    values: dict = {}
    sidecar = sidecar_path(path)
    if sidecar.exists():
        try:
            loaded = yamltext.load(sidecar.read_text("utf-8")) or {}
        except yaml.YAMLError as e:
            raise CorpusError(f"无法读取 {sidecar.name}{yamltext.problem(e)}：不是有效的 YAML，请按 org: … year: … 的形式改正。") from e
        except UnicodeDecodeError as e:
            raise CorpusError(f"无法读取 {sidecar.name}：不是 UTF-8 编码，请另存为 UTF-8。") from e
        if not isinstance(loaded, dict):
            raise CorpusError(f"{sidecar.name} 应写成 org: … year: … period: … 的形式")
        values.update({k: v for k, v in loaded.items() if k in ("org", "year", "period", "title")})
    values.update({k: v for k, v in cli.items() if v is not None})
    if "period" in values and values["period"] not in PERIODS:
        fixed = {"h1": "H1"}.get(str(values["period"]).lower(), str(values["period"]).lower())
        if fixed not in PERIODS:
            raise CorpusError(f"period“{values['period']}”应为 annual、H1 或 other")
        values["period"] = fixed
    if "year" in values and values["year"] is not None:
        try:
            values["year"] = int(values["year"])
        except (TypeError, ValueError) as e:
            raise CorpusError(f"year“{values['year']}”不是年份数字") from e
    return replace(meta, **values)
