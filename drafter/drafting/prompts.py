"""Prompt templates (prompts/*.j2) rendered with StrictUndefined: a missing variable is an error, never blank."""

from functools import cache
from pathlib import Path

import jinja2
from jinja2 import meta

from drafter.errors import DrafterError

TEMPLATES = ("system", "body", "lead", "problems", "plan", "repair", "refine")


class PromptError(DrafterError):
    """A prompt template is missing or does not render."""


@cache
def _env(prompts_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(prompts_dir)), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, autoescape=False)


def render(prompts_dir: Path, name: str, **variables) -> str:
    """Render prompts/NAME.j2 with exactly these variables."""
    try:
        return _env(Path(prompts_dir)).get_template(f"{name}.j2").render(**variables).strip()
    except jinja2.TemplateNotFound as e:
        raise PromptError(f"找不到提示词模板 {Path(prompts_dir) / f'{name}.j2'}；请把 DRAFTER_PROMPTS_DIR "
                          "设为存放 system.j2、body.j2 等文件的文件夹。") from e
    except jinja2.UndefinedError as e:
        raise PromptError(f"提示词 {name}.j2 用到了 drafter 没有提供的变量：{e}。") from e
    except jinja2.TemplateSyntaxError as e:
        raise PromptError(f"{e.filename or name + '.j2'} 第{e.lineno}行：{e.message}。") from e


def variables(prompts_dir: Path, name: str) -> set[str]:
    """Top-level variables a template reads, those of the blocks it includes as well."""
    env = _env(Path(prompts_dir))
    tree = env.parse(env.loader.get_source(env, f"{name}.j2")[0])
    found = set(meta.find_undeclared_variables(tree))
    for included in meta.find_referenced_templates(tree):
        found |= variables(prompts_dir, included.removesuffix(".j2")) - _set_by_with(tree)
    return found


def _set_by_with(tree) -> set[str]:
    """Names a template gives its includes ({% with heading = … %})."""
    return {t.name for node in tree.find_all(jinja2.nodes.With) for t in node.targets}
