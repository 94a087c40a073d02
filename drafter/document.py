"""One file in, one parsed Document out: read, decode, clean, outline, metadata, figures."""

from pathlib import Path

from drafter.clean import clean
from drafter.corpus import extract_text, read_bytes, sha256
from drafter.errors import CorpusError, DrafterError
from drafter.figures import extract_figures
from drafter.meta import apply_overrides, infer_meta
from drafter.models import Document
from drafter.outline import parse_outline

MIN_CHARS = 20


def parse_file(path: Path, *, max_mb: float, overrides: dict | None = None, data: bytes | None = None) -> Document:
    """Parse one corpus file. Raises CorpusError with the reason when the file cannot be used."""
    data = read_bytes(path, max_mb) if data is None else data
    try:
        return _parse(path, data, overrides)
    except DrafterError:
        raise
    except Exception as e:  # a parser bug must cost one file, not the whole run
        raise CorpusError(f"internal error while parsing ({type(e).__name__}: {e}); please report this file") from e


def _parse(path: Path, data: bytes, overrides: dict | None) -> Document:
    cleaned = clean(extract_text(path, data))
    if len(cleaned.text) < MIN_CHARS:
        raise CorpusError(f"only {len(cleaned.text)} characters of text after cleaning; nothing to learn from")
    sections = parse_outline(cleaned.text)
    meta, warnings = infer_meta(cleaned.text, sections, cleaned.hints, path)
    meta = apply_overrides(meta, path, overrides or {})
    warnings = [w for w in warnings if getattr(meta, w.split()[0]) is None]
    if not any(s.level >= 1 for s in sections):
        warnings.append("no headings found; the whole text is kept as one section")
    figures = extract_figures(cleaned.text, sections, meta)
    return Document(
        path=str(path), sha256=sha256(data), meta=meta, text=cleaned.text,
        sections=sections, figures=figures, warnings=warnings,
    )
