"""Outline specs: the house outline a draft is written under (prompts/outlines/*.yaml).

A spec is a flat list of sections with levels. Markers (一、 （一）) are not written in the file:
they are numbered from the enabled sections, so a writer can switch sections off or reorder them
and the headings stay numbered right.
"""

from pathlib import Path

import yaml
from pydantic import ValidationError

from drafter import yamltext
from drafter.outline_spec import (  # noqa: F401
    SYNTHESIS_TEMPLATES,
    OutlineError,
    OutlineSpec,
    PlannedSection,
    SectionKind,
    SectionSpec,
    cn_ordinal,
    plan,
    title,
)


def available(prompts_dir: Path) -> list[str]:
    return sorted(p.stem for p in (prompts_dir / "outlines").glob("*.yaml"))


def default_outline(org: str, period: str, prompts_dir: Path) -> str:
    """The shipped outline a new draft of this bureau starts from: one written for its kind of bureau (kjj_annual for
    a 科技局), else one for any bureau (general_annual)."""
    specs = [load_outline(n, prompts_dir) for n in available(prompts_dir)]
    specs = [s for s in specs if s.period == ("H1" if period == "H1" else "annual")]
    chosen = next((s for s in specs if s.bureau and s.fits(org)), None) or next((s for s in specs if not s.bureau), None)
    if chosen is None:
        raise OutlineError(f"{prompts_dir / 'outlines'} 中没有适用于“{org}”的提纲：请放回 general_annual.yaml。")
    return chosen.name


def load_outline(name_or_path: str | Path, prompts_dir: Path) -> OutlineSpec:
    """Load an outline by name (a file in prompts/outlines) or path; errors name file, line and field. An outline
    with `base: NAME` is that outline with its own top-level fields and, under `sections:`, per section id the
    fields that differ (the half-year outline is the annual one with other headings and lengths); an id the base
    does not have, given with its `kind` and `level`, is a section of its own (a heading of the bureau's own outline)."""
    path, node, data = _read(name_or_path, prompts_dir)
    if isinstance(data, dict) and "base" in data:
        data = _overlay(path, data, prompts_dir)
    try:
        return OutlineSpec.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = [p for p in err["loc"]]
        field = ".".join(str(p) for p in loc) or "(top level)"
        raise OutlineError(f"{path} 第{_line_of(node, loc)}行，字段 {field}：{err['msg']}。") from e


def _read(name_or_path: str | Path, prompts_dir: Path):
    """(path, YAML node, data) of an outline file."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") or not path.exists():
        path = prompts_dir / "outlines" / f"{name_or_path}.yaml"
    if not path.exists():
        raise OutlineError(f"没有名为“{name_or_path}”的提纲。可用：{'、'.join(available(prompts_dir)) or '无'}"
                           f"（{prompts_dir / 'outlines'} 中的文件）。")
    text = path.read_text("utf-8")
    try:
        return path, yaml.compose(text), yamltext.load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)  # where the broken item starts
        where = f" 第{mark.line + 1}行" if mark else ""
        raise OutlineError(f"{path}{where}：不是有效的 YAML（{getattr(e, 'problem', e)}）。") from e


def _overlay(path: Path, data: dict, prompts_dir: Path, depth: int = 0) -> dict:
    """The base outline's data with this file's fields laid over it."""
    if depth > 4:
        raise OutlineError(f"{path}：base 嵌套过深（可能互相引用）。")
    base_path, _, base = _read(str(data["base"]), prompts_dir)
    if isinstance(base, dict) and "base" in base:
        base = _overlay(base_path, base, prompts_dir, depth + 1)
    changes = data.get("sections") or {}
    if not isinstance(base, dict) or not isinstance(changes, dict):
        raise OutlineError(f"{path}：有 base 时，sections 应写成“章节 id: 要改的字段”。")
    ids = [s.get("id") for s in base.get("sections", [])]
    added = {sid: fields for sid, fields in changes.items() if sid not in ids and isinstance(fields, dict) and "kind" in fields}
    if unknown := sorted(set(changes) - set(ids) - set(added)):
        raise OutlineError(f"{path}：基础提纲 {data['base']} 中没有章节 {'、'.join(unknown)}（新增的章节要写 kind 和 level）；"
                           f"可用：{'、'.join(ids)}。")
    sections = [{**s, **(changes.get(s.get("id")) or {})} for s in base.get("sections", [])]
    sections += [{"id": sid, **fields} for sid, fields in added.items()]
    return {**base, **{k: v for k, v in data.items() if k not in ("base", "sections")}, "sections": sections}


def _line_of(node, loc: list) -> int:
    """Line of the deepest YAML node on a pydantic error path."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line
