"""YAML a writer supplies (facts, notes, sidecars, outlines): plain data only. Aliases are refused, so a file of
a few hundred bytes cannot expand into gigabytes (billion laughs) and hold up every user."""

import yaml
from yaml.composer import ComposerError


class _PlainLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, f"用了 YAML 别名（*{event.anchor}），数据文件中不支持，请把内容直接写出",
                                event.start_mark)
        return super().compose_node(parent, index)


def load(text: str):
    """Like yaml.safe_load, but an alias is a yaml.YAMLError whose problem says so and whose mark gives the line."""
    return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 — a SafeLoader subclass


def problem(e: yaml.YAMLError) -> str:
    """' 第N行（why）' for a message, as far as the error tells."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    where = f" 第{mark.line + 1}行" if mark else ""
    why = getattr(e, "problem", None)
    return where + (f"（{why}）" if why else "")
