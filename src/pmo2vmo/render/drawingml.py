"""DrawingML for the deck's text runs and tables, written as markup and parsed once.

python-pptx builds every run, cell margin and fill element by element (a namespace look-up per
attribute): a deck of fifteen tables cost 0.5 s of a client's time. Here a paragraph's runs, or a
whole table, are written as one escaped string and parsed once with python-pptx's own parser, so
the elements are python-pptx's classes and the XML is the same python-pptx writes: ``a:rPr`` with
``sz`` and ``b`` and an ``a:solidFill`` colour, ``a:br`` for a line break, ``a:tcPr`` margins and
fill. Text arrives already made safe (:func:`~pmo2vmo.render.deck_layout.safe_text`) and is
escaped here: client text is data, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.util import Emu

_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_END = qn("a:endParaRPr")


def runs_markup(pieces: Sequence[tuple[str, bool]], centipoints: int, colour: str | None) -> str:
    """The runs of (safe text, bold) pieces, ``\\n`` as a line break, at ``centipoints`` size in
    colour ``RRGGBB`` (None: inherited)."""
    fill = "" if colour is None else f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
    out = []
    for text, bold in pieces:
        head = f'<a:rPr sz="{centipoints}" b="{1 if bold else 0}"'
        props = f"{head}>{fill}</a:rPr>" if fill else f"{head}/>"
        for i, line in enumerate(text.split("\n")):
            if i:
                out.append("<a:br/>")
            out.append(f"<a:r>{props}<a:t>{escape(line)}</a:t></a:r>")
    return "".join(out)


def append_runs(p: object, markup: str) -> None:
    """Append the runs in ``markup`` to the paragraph element ``p`` (before its end mark)."""
    parsed = parse_xml(f'<a:p xmlns:a="{_A}">{markup}</a:p>')
    end = p.find(_END)  # type: ignore[attr-defined]
    for child in list(parsed):
        if end is None:
            p.append(child)  # type: ignore[attr-defined]
        else:
            end.addprevious(child)


def table_element(
    rows: Sequence[Sequence[str]],
    widths: Sequence[int],
    *,
    row_height: int,
    style_id: str,
    centipoints: int,
    margins: tuple[int, int],
    header: tuple[str, str],
    band: str,
    right: frozenset[int],
) -> object:
    """An ``a:tbl``: ``rows`` (the first the header) of safe text, column ``widths`` in EMU, the
    header filled with ``header[0]`` in text colour ``header[1]``, odd body rows banded with
    ``band``, columns in ``right`` right-aligned below the header; ``margins`` (left and right,
    top and bottom) in EMU."""
    side, edge = margins
    tc_pr = f'<a:tcPr marL="{side}" marR="{side}" marT="{edge}" marB="{edge}"'
    grid = "".join(f'<a:gridCol w="{Emu(w)}"/>' for w in widths)
    head = (f'<a:tbl xmlns:a="{_A}"><a:tblPr firstRow="1" bandRow="1"><a:tableStyleId>'
            f"{style_id}</a:tableStyleId></a:tblPr><a:tblGrid>{grid}</a:tblGrid>")  # fmt: skip
    out = [head]
    for r, row in enumerate(rows):
        out.append(f'<a:tr h="{row_height}">')
        fill = header[0] if r == 0 else band if r % 2 else None
        props = (f'{tc_pr}><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill></a:tcPr>'
                 if fill else f"{tc_pr}/>")  # fmt: skip
        colour = header[1] if r == 0 else None
        for c, value in enumerate(row):
            align = '<a:pPr algn="r"/>' if r > 0 and c in right else ""
            runs = runs_markup([(value, r == 0)], centipoints, colour)
            out.append(f"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/><a:p>{align}{runs}</a:p>"
                       f"</a:txBody>{props}</a:tc>")  # fmt: skip
        out.append("</a:tr>")
    out.append("</a:tbl>")
    return parse_xml("".join(out))
