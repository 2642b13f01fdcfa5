"""Fictional sample organisations, generated reproducibly from a seed.

Three organisations with clearly different profiles, used by the demo, the tests and the training:

- **Northwind Utilities** — a weak PMO: ad hoc governance, sponsorship that executives rate far
  higher than everyone else, almost no value measurement (Excel template, 18 respondents);
- **Harbor Mutual Insurance** — a solid, process-heavy PMO with a weak value culture and weak value
  metrics; prioritisation is disputed (a survey-tool CSV export, 26 respondents);
- **Lumen Digital** — close to a VMO: lean portfolio practice, value KPIs, benefits tracked after
  closure (the tidy long form, 34 respondents, mixed answer spellings).

Answers follow a simple model: pillar level + dimension offset + role bias + respondent bias +
noise, rounded to a level; then realistic N/A, Don't know, blanks, comments, one straight-liner, one
partial response and one respondent without a role. ``python -m pmo2vmo.sample OUT_DIR`` rewrites
the bundled files; a test checks that doing so reproduces the committed files exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.render.template import build_template
from pmo2vmo.util.atomic import write_atomic, write_text_atomic

ROLES_BANDS = {
    "Leadership": ["Executive", "Business unit lead"],
    "PMO and portfolio": ["PMO analyst", "Portfolio manager"],
    "Delivery": ["Project manager", "Delivery team member"],
    "Finance": ["Finance partner"],
}

# Comments per dimension: each is drawn only under a question of the dimension it speaks to, so
# a report's comments sit under the practice they are about (and repeat, as real comments do).
COMMENTS: dict[str, list[str]] = {
    "PB-GOV": [
        "Our stage gates exist on paper but projects skip them when the sponsor is senior enough.",
        "Steering committees approve almost everything that reaches them.",
    ],
    "PB-STD": [
        "The methodology is good; the templates are too heavy for small projects.",
    ],
    "PB-RES": [
        "Resource conflicts are settled by whoever shouts loudest in the Monday meeting.",
    ],
    "PB-MON": [
        "The PMO spends most of its time chasing status reports.",
        "Risk logs are updated the day before the steering committee, not used to manage.",
    ],
    "PB-SPO": [
        "Sponsorship changes every reorganisation and we start again each time.",
        "Our sponsor chairs every steering committee and unblocks decisions quickly.",
    ],
    "PB-SKL": [
        "Project managers are certified, but nobody is trained to build a benefits case.",
    ],
    "VC-OBJ": [
        "Value objectives exist in the strategy deck; teams never see them.",
        "Nobody has ever asked me what value my project delivered after go-live.",
    ],
    "VC-LEA": [
        "Executives talk about value but still ask us first whether we are on budget.",
    ],
    "VC-COM": [
        "We hear about the strategy once a year at the town hall.",
    ],
    "VC-BEH": [
        "We celebrate delivery on time, never the benefit that followed.",
    ],
    "VC-CIM": [
        "Retrospectives happen, but actions are rarely followed up.",
    ],
    "VC-CHG": [
        "Experimenting is risky here: a cancelled project is seen as a failure.",
        "People are tired of change programmes that come and go.",
    ],
    "PF-ALN": [
        "Most projects could not say which strategic objective they serve.",
    ],
    "PF-PRI": [
        "Every project is priority one.",
        "The portfolio is the sum of what each division asked for, not a choice.",
    ],
    "PF-CAP": [
        "We start more projects than we have people for and everything slows down.",
    ],
    "PF-GOV": [
        "Agile teams and the gate process do not fit together yet.",
    ],
    "PF-REV": [
        "Stopping a project is almost impossible once it has a budget.",
        "Quarterly portfolio review moved money to the two best initiatives — a first.",
    ],
    "PF-FUN": [
        "Funding is fixed for the year in the budget round; good ideas wait twelve months.",
    ],
    "PF-VST": [
        "Every hand-off between departments adds weeks; nobody owns the whole journey.",
    ],
    "PF-SUP": [
        "Supplier contracts pay for effort delivered, not for the outcome.",
    ],
    "PF-VMF": [
        "Nobody's job is to ask whether the portfolio as a whole creates value.",
    ],
    "MR-DRV": [
        "We could not say which levers actually move revenue or cost.",
    ],
    "MR-KPI": [
        "We measure schedule and cost well; we have no KPI for the benefit itself.",
    ],
    "MR-BEN": [
        "Benefits are only discussed at business-case time; nobody owns them after closure.",
        "The benefits register is reviewed every quarter with finance.",
    ],
    "MR-STD": [
        "NPV is calculated for the business case and never again.",
    ],
    "MR-DAT": [
        "Our PPM tool holds the data but nobody trusts the numbers.",
    ],
    "MR-FLO": [
        "Approved work waits months before anyone starts it.",
    ],
    "MR-BAL": [
        "Customer satisfaction is tracked by marketing but never linked to projects.",
    ],
    "MR-TRN": [
        "Value management training was a one-off slide deck.",
    ],
}


@dataclass(frozen=True)
class OrgSpec:
    """How to generate one fictional organisation."""

    slug: str
    name: str
    industry: str
    respondents: int
    fmt: str  # template-xlsx | wide-csv | tidy-csv
    pillar_level: dict[str, float]
    dimension_offset: dict[str, float] = field(default_factory=dict)
    role_bias: dict[str, float] = field(default_factory=dict)
    # dimensions where leadership and delivery see things very differently: (leader, delivery) bias
    disputed: dict[str, tuple[float, float]] = field(default_factory=dict)
    units: tuple[str, ...] = ("Operations", "Customer", "Technology", "Corporate")
    noise: float = 0.55
    seed: int = 0
    targets: dict[str, float] = field(default_factory=dict)
    start_date: dt.date = dt.date(2027, 1, 4)
    capacity_people: float = 3.0
    horizon_months: int = 18
    colour: str = "#1f4e79"
    day_rate: float = 1000.0  # a consultant day of transition work, in ``currency``
    currency: str = "EUR"


SPECS: tuple[OrgSpec, ...] = (
    OrgSpec(
        slug="northwind-utilities",
        name="Northwind Utilities",
        industry="Energy and utilities",
        respondents=18,
        fmt="template-xlsx",
        pillar_level={"PB": 1.9, "VC": 1.8, "PF": 1.6, "MR": 1.4},
        dimension_offset={"PB-MON": 0.5, "PB-STD": 0.3, "VC-CHG": 0.4, "MR-DAT": -0.2},
        role_bias={"Executive": 0.7, "Business unit lead": 0.3, "Delivery team member": -0.3},
        disputed={"PB-SPO": (1.6, -0.6)},
        units=("Networks", "Customer", "Corporate"),
        seed=101,
        capacity_people=2.0,
        horizon_months=18,
        day_rate=1250.0,
        currency="USD",
        colour="#0b5394",
    ),
    OrgSpec(
        slug="harbor-mutual",
        name="Harbor Mutual Insurance",
        industry="Insurance",
        respondents=26,
        fmt="wide-csv",
        pillar_level={"PB": 3.7, "VC": 2.1, "PF": 2.6, "MR": 1.9},
        dimension_offset={"PB-SPO": 0.3, "PF-ALN": 0.4, "PF-VST": -0.5, "MR-DAT": 0.6},
        role_bias={"Executive": 0.4, "PMO analyst": 0.3, "Delivery team member": -0.2},
        disputed={"PF-PRI": (1.4, -0.9)},
        units=("Claims", "Underwriting", "Distribution", "IT", "Finance"),
        seed=202,
        targets={"MR-BEN": 4.0},
        capacity_people=4.0,
        horizon_months=18,
        day_rate=1100.0,
        currency="EUR",
        colour="#134f5c",
    ),
    OrgSpec(
        slug="lumen-digital",
        name="Lumen Digital",
        industry="Software and digital services",
        respondents=34,
        fmt="tidy-csv",
        pillar_level={"PB": 3.9, "VC": 3.7, "PF": 3.9, "MR": 3.6},
        dimension_offset={"PB-STD": -0.3, "PF-GOV": 0.4, "MR-BAL": -0.4, "VC-CIM": 0.3},
        role_bias={"Executive": 0.2, "Delivery team member": -0.1},
        units=("Platform", "Growth", "Enterprise", "Operations"),
        seed=303,
        capacity_people=5.0,
        horizon_months=18,
        day_rate=950.0,
        currency="GBP",
        colour="#38761d",
    ),
)


def _roles(rng: np.random.Generator, n: int) -> list[str | None]:
    base = ["Executive", "Executive", "Business unit lead", "PMO analyst", "Portfolio manager",
            "Project manager", "Project manager", "Delivery team member", "Delivery team member",
            "Finance partner"]  # fmt: skip
    roles: list[str | None] = [base[i % len(base)] for i in range(n)]
    rng.shuffle(roles)
    roles[-1] = None  # one respondent leaves the role empty
    return roles


def _band(role: str | None) -> str | None:
    for band, roles in ROLES_BANDS.items():
        if role in roles:
            return band
    return None


def generate(spec: OrgSpec, instrument: Instrument) -> list[dict[str, Any]]:
    """Respondent records: id, role, unit, answers {question: int|'N/A'|"Don't know"|None},
    comments {question: text}."""
    rng = np.random.default_rng(spec.seed)
    roles = _roles(rng, spec.respondents)
    people = []
    straight = spec.respondents - 2  # one straight-liner
    partial = spec.respondents - 3  # one partial response
    for index in range(spec.respondents):
        role = roles[index]
        unit = spec.units[index % len(spec.units)]
        bias = float(rng.normal(0, 0.3)) + spec.role_bias.get(role or "", 0.0)
        answers: dict[str, Any] = {}
        comments: dict[str, str] = {}
        fixed = int(rng.integers(2, 4)) if index == straight else None
        for ref in instrument.iter_questions():
            dim = ref.dimension.id
            level = spec.pillar_level[ref.pillar.id] + spec.dimension_offset.get(dim, 0.0) + bias
            if dim in spec.disputed:
                leader, delivery = spec.disputed[dim]
                level += leader if _band(role) == "Leadership" else delivery
            value = int(np.clip(np.rint(level + rng.normal(0, spec.noise)), 1, 5))
            draw = float(rng.random())
            if fixed is not None:
                answer: Any = fixed
            elif index == partial and ref.pillar.id in ("PF", "MR"):
                answer = None
            elif draw < 0.03:
                answer = "N/A"
            elif draw < 0.03 + (0.10 if ref.pillar.id == "MR" and _band(role) == "Delivery"
                                else 0.04):  # fmt: skip
                answer = "Don't know"
            elif draw > 0.99:
                answer = None  # skipped
            else:
                answer = value
            answers[ref.question.id] = answer
            if answer is not None and rng.random() < 0.035:
                # Six-way draw whatever the bank's size, so the answers drawn after it stay
                # those of the samples' earlier versions.
                bank = COMMENTS[dim]
                text = bank[int(rng.integers(6)) % len(bank)]
                if text not in comments.values():  # a person says a thing once
                    comments[ref.question.id] = text
        people.append({
            "id": f"{spec.slug[:2].upper()}-{index + 1:03d}",
            "role": role,
            "unit": unit,
            "answers": answers,
            "comments": comments,
        })  # fmt: skip
    return people


def _label(answer: Any, instrument: Instrument, style: int) -> Any:
    """Spell an answer the way different sources do (to exercise the parser)."""
    if not isinstance(answer, int):
        if answer == "Don't know" and style % 3 == 1:
            return "Don’t know"
        if answer == "N/A" and style % 3 == 2:
            return "n/a"
        return answer
    name = instrument.level_name(answer)
    return [str(answer), f"{answer} - {name}", name.upper(), f" {answer} "][style % 4]


def _csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_organisation(spec: OrgSpec, instrument: Instrument, out: Path) -> Path:
    """Write one sample organisation's responses in its format; return the file."""
    people = generate(spec, instrument)
    qids = list(instrument.questions)
    if spec.fmt == "template-xlsx":
        wb = build_template(instrument)
        ws = wb["Responses"]
        for row, person in enumerate(people, start=2):
            ws.cell(row=row, column=1, value=spec.name)
            ws.cell(row=row, column=2, value=person["id"])
            ws.cell(row=row, column=3, value=person["role"])
            ws.cell(row=row, column=4, value=person["unit"])
            for col, qid in enumerate(qids, start=5):
                answer = _label(person["answers"][qid], instrument, 1)
                ws.cell(row=row, column=col, value=answer)
            text = " / ".join(person["comments"].values())
            ws.cell(row=row, column=5 + len(qids), value=text or None)
        wb.properties.created = dt.datetime(2026, 10, 1, 9, 0, 0)
        wb.properties.modified = dt.datetime(2026, 10, 1, 9, 0, 0)
        path = out / f"{spec.slug}.xlsx"
        return write_atomic(path, wb.save)
    if spec.fmt == "wide-csv":
        # A survey-tool export: ResponseId, timestamps, the question id inside the header text.
        header = ["ResponseId", "StartDate", "Department", "Job title"]
        header += [f"[{q}] {instrument.questions[q].question.text.strip()}" for q in qids]
        header += [f"[{q}] Comment" for q in qids if any(q in p["comments"] for p in people)]
        comment_cols = [h[1:10] for h in header if h.endswith("] Comment")]
        rows: list[list[Any]] = [header]
        for n, person in enumerate(people):
            line: list[Any] = [person["id"], f"2026-09-{10 + n % 15:02d} 10:{n % 60:02d}",
                               person["unit"], person["role"] or ""]  # fmt: skip
            line += ["" if person["answers"][q] is None else _label(person["answers"][q],
                                                                     instrument, 0)
                     for q in qids]  # fmt: skip
            line += [person["comments"].get(q, "") for q in comment_cols]
            rows.append(line)
        return write_text_atomic(out / f"{spec.slug}.csv", _csv_text(rows))
    tidy: list[list[Any]] = [
        ["organisation", "respondent", "role", "unit", "question", "answer", "comment"]
    ]
    for n, person in enumerate(people):
        for i, q in enumerate(qids):
            answer = person["answers"][q]
            if answer is None:
                continue
            tidy.append([spec.name, person["id"], person["role"] or "", person["unit"], q,
                         _label(answer, instrument, n + i), person["comments"].get(q, "")])  # fmt: skip
    return write_text_atomic(out / f"{spec.slug}.csv", _csv_text(tidy))


def logo_png(spec: OrgSpec, width: int = 96, height: int = 96) -> bytes:
    """A small, deterministic PNG logo for a sample: three rising bars in the brand colour.

    Written with zlib and struct only, so the samples need no imaging library.
    """
    import struct
    import zlib

    colour = bytes.fromhex(spec.colour.lstrip("#"))
    white = b"\xff\xff\xff"
    bars = [(14, 34, 56), (40, 60, 36), (66, 86, 14)]  # (left, right, top) of each bar
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(width):
            inside = any(left <= x < right and top <= y < height - 12 for left, right, top in bars)
            row += colour if inside else white
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def _write_logo(spec: OrgSpec, path: Path) -> None:
    path.write_bytes(logo_png(spec))


def profile_yaml(spec: OrgSpec) -> str:
    """The client profile of a sample organisation, with fixed dates."""
    bands = "\n".join(f"  {band}: [{', '.join(roles)}]" for band, roles in ROLES_BANDS.items())
    targets = "".join(f"\n  {k}: {v}" for k, v in spec.targets.items()) or " {}"
    return (
        f"# Client profile of the fictional sample organisation {spec.name}.\n"
        "# Generated by `python -m pmo2vmo.sample`; edit the generator, not this file.\n"
        f"client: {spec.name}\n"
        f"industry: {spec.industry}\n"
        f"targets:{targets}\n"
        "min_group_size: 5\n"
        f"role_bands:\n{bands}\n"
        f"capacity_people: {spec.capacity_people}\n"
        f"start_date: {spec.start_date.isoformat()}\n"
        f"horizon_months: {spec.horizon_months}\n"
        f"day_rate: {spec.day_rate:g}\n"
        f"currency: {spec.currency}\n"
        "branding:\n"
        f"  name: {spec.name}\n"
        f"  logo: {spec.slug}-logo.png\n"
        f'  primary_colour: "{spec.colour}"\n'
    )


def write_samples(out: Path, instrument: Instrument | None = None) -> list[Path]:
    """Write every sample organisation (responses and profile) into ``out``."""
    instrument = instrument or load_instrument()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in SPECS:
        paths.append(write_organisation(spec, instrument, out))
        paths.append(write_text_atomic(out / f"{spec.slug}.yaml", profile_yaml(spec)))
        paths.append(write_atomic(out / f"{spec.slug}-logo.png", partial(_write_logo, spec)))
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m pmo2vmo.sample OUT_DIR", file=sys.stderr)
        return 2
    for path in write_samples(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
