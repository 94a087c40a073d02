"""Zip containers a user supplies (.docx, .xlsx): refused when they would unpack to far more than any document."""

import io
import zipfile

from drafter.errors import CorpusError

ZIP_LIMIT_MB = 200  # what a .docx may unpack to; Office files compress text about 5–20 times


def check_zip(data: bytes, kind: str) -> None:
    """Refuse a zip (a .docx, an .xlsx) that would unpack to far more than any document: a zip bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile as e:
        raise CorpusError(f"不是有效的 {kind} 文件（{e}），可能已损坏或设置了打开密码；请另存后重试") from e
    if unpacked > ZIP_LIMIT_MB * 1024 * 1024 or unpacked > 200 * max(len(data), 1):
        raise CorpusError(f"这个 {kind} 解压后有 {unpacked / 1024 / 1024:.0f} MB，远超正常文档（疑似压缩炸弹），已拒绝")
