"""Report branding from the client profile: name, colours (``#rrggbb`` only) and a logo.

A logo is a PNG or JPEG file, recognised by its content (not its name), at most
:data:`MAX_LOGO_BYTES`; it is embedded as a ``data:`` URI in HTML and as a picture in decks.
SVG is refused: it can carry script. A relative logo path is relative to the profile file.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from pmo2vmo.errors import InstrumentError, NotReadable
from pmo2vmo.model.profile import Profile
from pmo2vmo.util.safeio import read_bounded
from pmo2vmo.util.text import clip

MAX_LOGO_BYTES = 2 * 1024 * 1024
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class Logo:
    """A checked logo image."""

    mime: str
    data: bytes

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    @property
    def extension(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"


TEXT_DARK = "1A1A1A"  # dark text, ``rrggbb``


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``: 0 black, 1 white."""

    def channel(hex_pair: str) -> float:
        """One sRGB channel (two hex digits), linearised."""
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(colour: str) -> str:
    """Dark or white text (``rrggbb``), whichever reads better on a ``colour`` background."""
    return TEXT_DARK if luminance(colour) > 0.4 else "FFFFFF"


def ink_on_white(colour: str) -> str:
    """``colour`` as text on white (``rrggbb``) when it reads well there, else dark text."""
    return colour[1:].upper() if luminance(colour) <= 0.4 else TEXT_DARK


@dataclass(frozen=True)
class Brand:
    """What a report needs to look like the client's."""

    name: str
    primary: str
    accent: str
    logo: Logo | None = None


def load_logo(path: Path | str) -> Logo:
    """Read and check a logo file; :class:`InstrumentError` names the file and the problem.

    The whole file is checked, not its first bytes: its structure (every PNG chunk and its
    checksum; every JPEG segment up to the end-of-image marker) must account for every byte, so
    nothing rides after the image or inside its metadata (a polyglot that is also HTML, a zip or
    a script); and the image must decode completely (a truncated file is refused).
    """
    path = Path(path)
    try:
        data = read_bounded(path, MAX_LOGO_BYTES)
    except NotReadable as exc:
        raise InstrumentError([f"{path}: branding.logo: {exc}"]) from None
    mime = next((m for sig, m in _SIGNATURES.items() if data.startswith(sig)), None)
    if mime is None:
        raise InstrumentError(
            [f"{path}: branding.logo: not a PNG or JPEG image (SVG and other formats are refused)"]
        )
    problem = _png_problem(data) if mime == "image/png" else _jpeg_problem(data)
    problem = problem or _decode_problem(data)
    if problem:
        raise InstrumentError(
            [f"{path}: branding.logo: {problem} — export the logo again as a plain PNG or JPEG"]
        )
    return Logo(mime, data)


MAX_LOGO_PIXELS = 25_000_000
# What a logo's metadata has no business holding: markup, script and archives.
_FOREIGN = re.compile(rb"(?i)<\s*(?:script|html|svg|body|iframe|\?php)|PK\x03\x04|<\?xml")


def _png_problem(data: bytes) -> str | None:
    """Why a PNG file is not one plain image, or None."""
    pos, first = 8, True
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        end = pos + 12 + length
        if end > len(data):
            return "the image is truncated (a chunk runs past the end of the file)"
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            return f"the image is damaged (chunk {kind.decode('latin-1')!r} fails its checksum)"
        if first and kind != b"IHDR":
            return "the image is damaged (it does not start with a header chunk)"
        first = False
        if kind not in (b"IDAT", b"IHDR", b"IEND") and _FOREIGN.search(body):
            return "the image carries markup, script or an archive in its metadata"
        if kind == b"IEND":
            if end != len(data):
                return f"{len(data) - end:,} bytes follow the end of the image (a polyglot file?)"
            return None
        pos = end
    return "the image is truncated (no end chunk)"


def _jpeg_problem(data: bytes) -> str | None:
    """Why a JPEG file is not one plain image, or None."""
    pos = 2
    while pos + 2 <= len(data):
        if data[pos] != 0xFF:
            return "the image is damaged (a segment does not start with a marker)"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            if pos + 2 != len(data):
                extra = len(data) - pos - 2
                return f"{extra:,} bytes follow the end of the image (a polyglot file?)"
            return None
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        if pos + 4 > len(data):
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        body = data[pos + 4 : pos + 2 + length]
        if length < 2 or pos + 2 + length > len(data):
            return "the image is truncated (a segment runs past the end of the file)"
        if (0xE0 <= marker <= 0xEF or marker == 0xFE) and _FOREIGN.search(body):
            return "the image carries markup, script or an archive in its metadata"
        pos += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            while pos + 1 < len(data) and not (
                data[pos] == 0xFF and data[pos + 1] not in (0x00, *range(0xD0, 0xD8))
            ):
                pos += 1
    return "the image is truncated (no end-of-image marker)"


def _decode_problem(data: bytes) -> str | None:
    """Why the image does not decode completely, or None."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_LOGO_PIXELS:
                return f"the image is {width:,} × {height:,} pixels; a logo needs far fewer"
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        return f"the image does not decode ({clip(str(exc), 120)})"
    return None


def _colour(value: str, key: str) -> str:
    if not COLOUR.match(value):
        raise InstrumentError([f"branding.{key}: {value!r} is not a #rrggbb colour"])
    return value.lower()


def brand_for(
    profile: Profile | None, organisation: str, profile_path: Path | str | None = None
) -> Brand:
    """The brand of a report: the profile's branding, else neutral colours and the
    organisation's name."""
    profile = profile or Profile()
    branding = profile.branding
    logo = None
    if branding.logo:
        logo_path = Path(branding.logo)
        if not logo_path.is_absolute() and profile_path is not None:
            logo_path = Path(profile_path).parent / logo_path
        logo = load_logo(logo_path)
    return Brand(
        name=branding.name or profile.client or organisation,
        primary=_colour(branding.primary_colour, "primary_colour"),
        accent=_colour(branding.accent_colour, "accent_colour"),
        logo=logo,
    )
