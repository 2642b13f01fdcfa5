"""The editorial rules of the instrument (issue 13), as checks that list every breach.

``tests/test_instrument_rules.py`` asserts each list is empty. Run it directly to see every breach of
the bundled instrument (or of one pillar): ``python tests/instrument_rules.py [PILLAR_ID]``.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections import Counter
from collections.abc import Iterator

from pmo2vmo.model.instrument import Instrument, QuestionRef, load_instrument

#: Two questions' descriptors at the same level must share less than this (token Jaccard).
JACCARD_LIMIT = 0.35
#: No three-word phrase may appear in more than this share of the level-5 descriptors.
LEVEL5_PHRASE_SHARE = 0.25
#: Named techniques that may appear in a descriptor only as an example, never as a requirement.
TECHNIQUES = ("wsjf", "weighted shortest job first", "kanban", "participatory budgeting", "360")
EXAMPLE_MARKERS = ("for example", "such as", "e.g.")
#: Where each named model must be cited precisely: a perspective, key value area or dimension.
LOCI = {
    "P3M3": ("Organisational Governance", "Management Control", "Benefits Management",
             "Risk Management", "Stakeholder Management", "Finance Management",
             "Resource Management"),
    "Evidence-Based Management": ("Current Value", "Unrealized Value", "Time to Market",
                                  "Ability to Innovate"),
    "Gartner ITScore for PPM": ("People", "PPM Practices and Processes",
                                "Value and Financial Management", "Technology", "Relationships"),
    "SAFe LPM": ("Strategy and Investment Funding", "Agile Portfolio Operations",
                 "Lean Governance"),
}  # fmt: skip
#: Attitudes are not observable: descriptors describe what people do, not what they feel.
ATTITUDE = re.compile(r"\b(feel|feels|fear|fears|afraid|believe|believes|comfortable)\b", re.I)
VMO = re.compile(r"\bVMO\b|value management office", re.I)
JUSTIFICATION = re.compile(r"\bso\b(?! far)", re.I)


def tokens(text: str) -> set[str]:
    """The distinct words of three letters or more, lower-cased."""
    return set(re.findall(r"[a-z]{3,}", text.lower()))


def jaccard(a: str, b: str) -> float:
    """Token Jaccard similarity of two descriptors."""
    ta, tb = tokens(a), tokens(b)
    return len(ta & tb) / len(ta | tb) if ta | tb else 0.0


def _refs(instrument: Instrument, pillar: str | None) -> list[QuestionRef]:
    return [r for r in instrument.iter_questions() if pillar is None or r.pillar.id == pillar]


def similar_descriptors(instrument: Instrument, pillar: str | None = None) -> Iterator[str]:
    """Pairs of questions whose descriptors at one level are too alike."""
    refs = list(instrument.iter_questions())
    for a, b in itertools.combinations(refs, 2):
        if pillar is not None and pillar not in (a.pillar.id, b.pillar.id):
            continue
        for level in range(1, 6):
            j = jaccard(a.question.descriptors[level], b.question.descriptors[level])
            if j >= JACCARD_LIMIT:
                yield f"{a.question.id} / {b.question.id} level {level}: Jaccard {j:.2f}"


def level5_boilerplate(instrument: Instrument, pillar: str | None = None) -> Iterator[str]:
    """Three-word phrases found in more than a quarter of the level-5 descriptors."""
    refs = list(instrument.iter_questions())
    counts: Counter[tuple[str, ...]] = Counter()
    holders: dict[tuple[str, ...], list[str]] = {}
    for ref in refs:
        words = re.findall(r"[a-z0-9']+", ref.question.descriptors[5].lower())
        for phrase in {tuple(words[i : i + 3]) for i in range(len(words) - 2)}:
            counts[phrase] += 1
            holders.setdefault(phrase, []).append(ref.question.id)
    limit = LEVEL5_PHRASE_SHARE * len(refs)
    for phrase, n in counts.most_common():
        if n <= limit:
            break
        ids = [q for q in holders[phrase] if pillar is None or q.startswith(pillar + "-")]
        if ids:
            yield f"'{' '.join(phrase)}' in {n} of {len(refs)} level-5 descriptors: {ids}"


def wording(instrument: Instrument, pillar: str | None = None) -> Iterator[str]:
    """Leading justifications, required techniques, a presupposed VMO, attitudes."""
    for ref in _refs(instrument, pillar):
        q = ref.question
        if JUSTIFICATION.search(q.text):
            yield f"{q.id}: the statement carries a justification ('so ...'): {q.text!r}"
        for level, text in q.descriptors.items():
            low = text.lower()
            for term in TECHNIQUES:
                at = low.find(term)
                if at >= 0 and not any(m in low[:at] for m in EXAMPLE_MARKERS):
                    yield f"{q.id} level {level}: '{term}' is required, not given as an example"
            if VMO.search(text):
                yield f"{q.id} level {level}: the descriptor presupposes a VMO"
            if ATTITUDE.search(text):
                yield f"{q.id} level {level}: an attitude, not an observable behaviour: {text!r}"


def weights(instrument: Instrument, pillar: str | None = None) -> Iterator[str]:
    """Every weight other than 1 reasoned; no mechanical pattern of weighting first questions."""
    weighted_first = weighted = 0
    rationales: Counter[str] = Counter()
    for p in instrument.pillars:
        entities: list[tuple[str, float, str | None]] = [(p.id, p.weight, p.weight_rationale)]
        for d in p.dimensions:
            entities.append((d.id, d.weight, d.weight_rationale))
            for i, q in enumerate(d.questions):
                entities.append((q.id, q.weight, q.weight_rationale))
                if q.weight != 1:
                    weighted += 1
                    weighted_first += i == 0
        for ident, weight, why in entities:
            if weight != 1 and not why and (pillar is None or ident.startswith(pillar)):
                yield f"{ident}: weight {weight} has no weight_rationale"
            if why:
                rationales[why] += 1
    if weighted and weighted_first > weighted / 2:
        yield f"{weighted_first} of {weighted} weighted questions are their dimension's first"
    for why, n in rationales.items():
        if n > 1:
            yield f"the same weight_rationale is given {n} times: {why!r}"


def sources(instrument: Instrument, pillar: str | None = None) -> Iterator[str]:
    """Precise citations, every registered source used, vendor statistics never cited."""
    cited: Counter[str] = Counter()
    for ref in instrument.iter_questions():
        q = ref.question
        source, _, where = q.source.partition(" - ")
        cited[source] += 1
        if pillar is not None and ref.pillar.id != pillar:
            continue
        if "%" in q.source or any("%" in e for e in q.evidence):
            yield f"{q.id}: cites a statistic: {q.source!r}"
        loci = LOCI.get(source)
        if loci and not any(locus.lower() in where.lower() for locus in loci):
            yield f"{q.id}: cites {source} without naming one of {loci}"
    if pillar is None:
        for s in instrument.meta.sources:
            if not cited[s.id]:
                yield f"source {s.id!r} is registered but no question cites it"
        if len(cited) < 6:
            yield f"only {len(cited)} distinct sources are cited (at least 6)"


def shape(instrument: Instrument) -> Iterator[str]:
    """Four pillars, at most 30 dimensions, 60-100 questions, routed to at least four audiences."""
    pillars = [p.id for p in instrument.pillars]
    if pillars != ["PB", "VC", "PF", "MR"]:
        yield f"pillars are {pillars}"
    dims = {d.id for d in instrument.dimensions}
    if len(dims) > 30:
        yield f"{len(dims)} dimensions (at most 30)"
    for keep in ("PB-SPO", "VC-OBJ"):
        if keep not in dims:
            yield f"dimension {keep} is missing"
    refs = list(instrument.iter_questions())
    if not 60 <= len(refs) <= 100:
        yield f"{len(refs)} questions (60-100)"
    audiences = instrument.audience_ids
    if len(audiences) < 4:
        yield f"{len(audiences)} audiences (at least 4)"
    everyone = [r.question.id for r in refs if set(r.question.audiences) >= set(audiences)]
    if len(everyone) > len(refs) / 2:
        yield f"{len(everyone)} of {len(refs)} questions go to every audience (at most half)"


CHECKS = (similar_descriptors, level5_boilerplate, wording, weights, sources)


def main(argv: list[str]) -> int:
    """Print every breach (of one pillar when its id is given); exit 1 when there is any."""
    instrument = load_instrument()
    pillar = argv[0] if argv else None
    found = [line for check in CHECKS for line in check(instrument, pillar)]
    if pillar is None:
        found += list(shape(instrument))
    print("\n".join(found) or "no breach")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
