"""The training's fictional organisation: Alder & Finch Logistics, a mid-sized freight company
whose PMO runs 40 projects on time and on budget while the board asks what they are worth.

Every module uses the same case, so a session builds one story: the PMO's business case for a
route-optimisation platform (module 2), the backlog competing for the platform team (module 3),
next year's candidate initiatives under a budget (module 4) and the benefits register of last
year's warehouse programme (module 5). All figures are invented for teaching.
"""

from __future__ import annotations

from pmo2vmo.training.benefits import Benefit
from pmo2vmo.training.portfolio import Initiative
from pmo2vmo.training.prioritise import BacklogItem

ORGANISATION = "Alder & Finch Logistics"

#: Route-optimisation platform: invest 500k now, then three years of net benefits.
BUSINESS_CASE_FLOWS = (-500_000.0, 200_000.0, 300_000.0, 200_000.0)
DISCOUNT_RATE = 0.10  # the finance team's hurdle rate, as a decimal

#: A re-platforming that needs a second outlay in year 2 (two sign changes: beware IRR).
TWO_SIGN_CHANGES = (-100.0, 230.0, -132.0)

#: "How likely are you to recommend our delivery service?" (0-10), 20 key-account customers.
NPS_RATINGS = (10, 9, 9, 8, 8, 8, 7, 7, 6, 6, 5, 10, 9, 3, 8, 7, 9, 10, 4, 8)

BACKLOG = (
    BacklogItem("Customs e-filing", 8, 13, 5, 5, 40_000, 4, 60_000),
    BacklogItem("Driver app refresh", 5, 2, 2, 3, 8_000, 3, 45_000),
    BacklogItem("Dynamic pricing", 20, 8, 8, 13, 60_000, 10, 220_000),
    BacklogItem("Warehouse slotting", 8, 3, 5, 8, 15_000, 6, 90_000),
    BacklogItem("Emissions reporting", 3, 13, 8, 2, 25_000, 2, 30_000),
    BacklogItem("Fleet telematics", 13, 5, 13, 13, 35_000, 9, 180_000),
)

#: Next year's candidates: value (NPV, thousands), cost (thousands), people (person-months).
CANDIDATES = (
    Initiative("Dynamic pricing", 900, 400, 30, 3),
    Initiative("Fleet telematics", 600, 350, 20, 1),
    Initiative("Customs e-filing", 450, 150, 10, 4),
    Initiative("Warehouse slotting", 330, 200, 14, 5),
    Initiative("Emissions reporting", 220, 80, 6, 6),
    Initiative("New head-office intranet", 60, 250, 12, 2),
    Initiative("Driver app refresh", 150, 120, 8, 7),
)
BUDGET = 900  # thousands
CAPACITY = 60  # person-months

#: Last year's warehouse programme, closed in month 6; benefits measured monthly after.
BENEFITS = (
    Benefit("B1", "Pick rate per hour", "Head of warehousing", "picks/h", 110, 140, 4, 12),
    Benefit(
        "B2",
        "Mis-shipments per 10,000 orders",
        "Customer service director",
        "per 10k",
        42,
        20,
        4,
        10,
    ),
    Benefit("B3", "Overtime hours a month", None, "hours", 1_800, 1_200, 6, 12),
    Benefit("B4", "Space freed for new clients (m²)", "Commercial director", "m²", 0, 3_000, 7, 15),
)
MEASURED: dict[str, dict[int, float]] = {
    "B1": {4: 112, 6: 118, 8: 124, 10: 127, 12: 131},
    "B2": {4: 40, 6: 34, 8: 27, 10: 22},
    "B3": {},
    "B4": {8: 400, 10: 900, 12: 1_200},
}
CLOSURE_MONTH = 6
REVIEW_MONTH = 12
