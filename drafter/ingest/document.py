"""One file in, one parsed Document out: read, decode, clean, outline, metadata, figures."""

from pathlib import Path

from drafter.errors import CorpusError, DrafterError
from drafter.ingest.clean import clean
from drafter.ingest.corpus import extract_text, read_bytes, sha256
from drafter.ingest.headings import parse_outline
from drafter.ingest.meta import apply_overrides, infer_meta, missing
from drafter.models import Document
from drafter.numbers.figures import extract_figures

MIN_CHARS = 20


def parse_file(path: Path, *, max_mb: float, overrides: dict | None = None, data: bytes | None = None) -> Document:
    """Parse one corpus file. Raises CorpusError with the reason when the file cannot be used."""
    data = read_bytes(path, max_mb) if data is None else data
    try:
        return _parse(path, data, overrides)
    except DrafterError:
        raise
    except Exception as e:  # a parser bug must cost one file, not the whole run
        raise CorpusError(f"解析时出现内部错误（{type(e).__name__}：{e}）；这个文件已跳过，请把它反馈给维护人员") from e


MAX_FIGURES = 3000  # a real summary states a few hundred; more is a table dump or a generated file


def _parse(path: Path, data: bytes, overrides: dict | None) -> Document:
    raw, notes = simplified(extract_text(path, data))
    cleaned = clean(raw)
    if len(cleaned.text) < MIN_CHARS:
        raise CorpusError(f"清理后只剩 {len(cleaned.text)} 个字，没有可学习的内容")
    sections = parse_outline(cleaned.text)
    meta, _ = infer_meta(cleaned.text, sections, cleaned.hints, path)
    meta = apply_overrides(meta, path, overrides or {})
    warnings = missing(meta, path)
    if not any(s.level >= 1 for s in sections):
        warnings.append("没有识别出标题，全文作为一节。")
    figures = extract_figures(cleaned.text, sections, meta)
    if len(figures) > MAX_FIGURES:
        warnings.append(f"识别出 {len(figures)} 个数字，远多于一篇总结（可能是数据表）；只收录前 {MAX_FIGURES} 个。")
        figures = figures[:MAX_FIGURES]
    warnings += notes
    return Document(
        path=str(path), sha256=sha256(data), meta=meta, text=cleaned.text,
        sections=sections, figures=figures, warnings=warnings,
    )


def simplified(text: str) -> tuple[str, list[str]]:
    """A summary in traditional characters, converted to simplified for reading (OpenCC t2s), said so."""
    import opencc

    sample = text[:5000]
    converted = opencc.OpenCC("t2s").convert(sample)
    changed = sum(a != b for a, b in zip(sample, converted))
    if changed < max(5, len(sample) // 100):
        return text, []
    return opencc.OpenCC("t2s").convert(text), ["繁体文本，已转为简体后解析。"]
