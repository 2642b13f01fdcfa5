"""Report branding from the client profile: name, colours (``#rrggbb`` only) and a logo.

A logo is a PNG or JPEG file, recognised by its content (not its name), at most
:data:`MAX_LOGO_BYTES`; it is embedded as a ``data:`` URI in HTML and as a picture in decks.
SVG is refused: it can carry script. A relative logo path is relative to the profile file.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from pmo2vmo.errors import InstrumentError
from pmo2vmo.profile import Profile

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


@dataclass(frozen=True)
class Brand:
    """What a report needs to look like the client's."""

    name: str
    primary: str
    accent: str
    logo: Logo | None = None


def load_logo(path: Path | str) -> Logo:
    """Read and check a logo file; :class:`InstrumentError` names the file and the problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise InstrumentError([f"{path}: branding.logo: file not found"]) from None
    if size > MAX_LOGO_BYTES:
        raise InstrumentError(
            [f"{path}: branding.logo: {size:,} bytes, more than the {MAX_LOGO_BYTES:,} allowed"]
        )
    data = path.read_bytes()
    for signature, mime in _SIGNATURES.items():
        if data.startswith(signature):
            return Logo(mime, data)
    raise InstrumentError(
        [f"{path}: branding.logo: not a PNG or JPEG image (SVG and other formats are refused)"]
    )


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
