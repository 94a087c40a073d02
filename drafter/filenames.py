"""Names of files built from user text (a bureau's name, an upload's name): one plain path component, and a
path that stays inside the folder it is meant for."""

import re
import unicodedata
from pathlib import Path

from drafter.errors import DrafterError


def safe_name(name: str) -> str:
    """A plain file name from whatever a user or a browser sent: no folders, no `..`, no control or reserved characters."""
    name = unicodedata.normalize("NFC", re.split(r"[\\/]", name)[-1])
    name = re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "", name).strip().lstrip(".").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[:100].strip() or "未命名"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def inside(folder: Path, name: str) -> Path:
    """`folder/name` with the name made safe, refused if it would still resolve outside the folder (a link)."""
    path = Path(folder) / safe_name(name)
    if not path.resolve().is_relative_to(Path(folder).resolve()):
        raise DrafterError(f"文件名“{name}”会写到文件夹 {folder} 之外，已拒绝。请换一个名称。")
    return path
