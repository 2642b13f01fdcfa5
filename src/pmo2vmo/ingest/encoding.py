"""Text files' bytes decoded: UTF-8 (with or without BOM), UTF-16 with a BOM, Windows-1252, and
UTF-8 files with some lines in another encoding (each line read as what it is, and said so).

Anything else (binary data, bytes that are neither UTF-8 nor Windows-1252) is refused with a hint.
"""

from __future__ import annotations

import re

from pmo2vmo.errors import ProblemLog


def decode_text(data: bytes, log: ProblemLog) -> str | None:
    """Decode a text file's bytes, or record why they cannot be read."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            log.error("the file claims UTF-16 but is not", "save it as CSV UTF-8")
            return None
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    if b"\x00" in sample or controls > max(8, len(sample) // 100):
        log.error(
            "this is binary data, not a text (CSV) file or an Excel workbook",
            "export the survey as CSV or save the workbook as .xlsx",
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):  # UTF-8 text with some lines in another encoding
        return _decode_mixed(data, log)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        log.error(
            f"unreadable text encoding: byte 0x{data[exc.start]:02x} at offset {exc.start} is "
            "neither UTF-8 nor Windows-1252",
            "save the file as 'CSV UTF-8' from Excel or your survey tool",
        )
        return None


# A multi-byte UTF-8 sequence (ü is C3 BC): Windows-1252 text hardly ever holds one.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _decode_mixed(data: bytes, log: ProblemLog) -> str | None:
    """A file that is UTF-8 except for some lines: each line decoded as what it is, and said so.

    Decoding it all as Windows-1252 would silently turn "Zürich" into "ZÃ¼rich"; decoding it all
    as UTF-8 cannot be done. Lines that are not UTF-8 are read as Windows-1252, with one warning
    naming the first of them.
    """
    lines = data.split(b"\n")
    out, bad = [], []
    for number, line in enumerate(lines, start=1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                out.append(line.decode("cp1252"))
            except UnicodeDecodeError as exc:
                log.error(
                    f"unreadable text encoding: line {number} has byte 0x{line[exc.start]:02x}, "
                    "which is neither UTF-8 nor Windows-1252",
                    "save the file as 'CSV UTF-8' from Excel or your survey tool",
                    row=number,
                )
                return None
            bad.append(number)
    log.warning(
        f"mixed encodings: the file is UTF-8 but {len(bad)} line{'s are' if len(bad) != 1 else ' is'} "
        f"not (first: line {bad[0]}); {'they were' if len(bad) != 1 else 'it was'} read as "
        "Windows-1252 — check the names and comments on those lines",
        "save the file as 'CSV UTF-8' from one tool, so that every line has the same encoding",
        row=bad[0],
    )
    text = "\n".join(out)
    return text[1:] if text.startswith("\ufeff") else text
