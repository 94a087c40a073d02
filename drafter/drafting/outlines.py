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


def load_outline(name_or_path: str | Path, prompts_dir: Path) -> OutlineSpec:
    """Load an outline by name (a file in prompts/outlines) or path; errors name file, line and field."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") or not path.exists():
        path = prompts_dir / "outlines" / f"{name_or_path}.yaml"
    if not path.exists():
        raise OutlineError(f"没有名为“{name_or_path}”的提纲。可用：{'、'.join(available(prompts_dir)) or '无'}"
                           f"（{prompts_dir / 'outlines'} 中的文件）。")
    text = path.read_text("utf-8")
    try:
        node = yaml.compose(text)
        data = yamltext.load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)  # where the broken item starts
        where = f" 第{mark.line + 1}行" if mark else ""
        raise OutlineError(f"{path}{where}：不是有效的 YAML（{getattr(e, 'problem', e)}）。") from e
    try:
        return OutlineSpec.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = [p for p in err["loc"]]
        field = ".".join(str(p) for p in loc) or "(top level)"
        raise OutlineError(f"{path} 第{_line_of(node, loc)}行，字段 {field}：{err['msg']}。") from e


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
