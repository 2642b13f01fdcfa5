"""The editorial rules of instrument 2.0 (issue 13 §1–§3) hold for the bundled instrument."""

from __future__ import annotations

import pytest

from instrument_rules import (
    jaccard,
    level5_boilerplate,
    shape,
    similar_descriptors,
    sources,
    tokens,
    weights,
    wording,
)
from pmo2vmo.model.instrument import Instrument, load_instrument


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_instrument()


def test_tokens_are_words_of_three_letters_or_more() -> None:
    """Jaccard works on distinct lower-cased words of three letters or more."""
    assert tokens("The PMO is in a gate, as of 2024.") == {"the", "pmo", "gate"}
    assert jaccard("portfolio board reviews", "portfolio board decides") == 0.5


def test_no_two_questions_share_descriptors_at_one_level(instrument: Instrument) -> None:
    """No two questions' descriptors at the same level have a token Jaccard of 0.35 or more."""
    assert list(similar_descriptors(instrument)) == []


def test_level_5_is_specific_to_each_question(instrument: Instrument) -> None:
    """No three-word phrase appears in more than a quarter of the level-5 descriptors."""
    assert list(level5_boilerplate(instrument)) == []


def test_statements_are_neutral_and_levels_framework_neutral(instrument: Instrument) -> None:
    """No 'so …' justification, no technique required by a level, no VMO presupposed, no
    attitude in place of behaviour."""
    assert list(wording(instrument)) == []


def test_every_weight_other_than_one_is_reasoned(instrument: Instrument) -> None:
    """Each weight ≠ 1 has its own rationale, and weighting is not the mechanical 'first
    question of each dimension' pattern."""
    assert list(weights(instrument)) == []


def test_sources_are_precise_registered_and_all_used(instrument: Instrument) -> None:
    """Every question cites a registered source with where in it; model citations name a
    perspective, key value area or dimension; no statistic; every source used, six or more."""
    assert list(sources(instrument)) == []


def test_the_instrument_keeps_its_shape(instrument: Instrument) -> None:
    """Four pillars, at most 30 dimensions with SPO and OBJ kept, 60–100 questions, at least four
    audiences and at most half the questions asked of everyone."""
    assert list(shape(instrument)) == []


def test_the_checks_catch_what_they_forbid(instrument: Instrument) -> None:
    """Each check flags a breach planted in a copy of the instrument (the checks can fail)."""
    first = instrument.pillars[0]
    dim = first.dimensions[0]
    a, b = dim.questions[0], dim.questions[1]
    planted = a.model_copy(
        update={
            "text": a.text + ", so work finishes sooner",
            "weight": 2.0,
            "weight_rationale": None,
            "source": "SAFe LPM - portfolio Kanban",
            "descriptors": {**a.descriptors, 3: "A portfolio Kanban and the VMO decide; staff feel safe.",
                            2: b.descriptors[2]},
        }
    )  # fmt: skip
    copy = Instrument(
        meta=instrument.meta,
        pillars=(
            first.model_copy(
                update={
                    "dimensions": [
                        dim.model_copy(update={"questions": [planted, *dim.questions[1:]]}),
                        *first.dimensions[1:],
                    ]
                }
            ),
            *instrument.pillars[1:],
        ),
        folder=instrument.folder,
    )
    assert any(a.id in line and "level 2" in line for line in similar_descriptors(copy))
    found = list(wording(copy))
    assert any("justification" in line for line in found)
    assert any("'kanban' is required" in line for line in found)
    assert any("presupposes a VMO" in line for line in found)
    assert any("attitude" in line for line in found)
    assert any(f"{a.id}: weight 2.0 has no weight_rationale" in line for line in weights(copy))
    assert any("without naming" in line for line in sources(copy))
