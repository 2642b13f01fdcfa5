"""Which groups of respondents may be shown, and which must be suppressed.

Practice of employee-survey tools (Glint, Qualtrics EX, Culture Amp, Peakon): no breakout shows a
group smaller than ``min_group_size`` (default 5, floor 3 unless the profile declares an identifiable
workshop), and sibling groups are suppressed too when a hidden group could otherwise be recovered by
subtracting the shown groups from the total. The rule applied here, per organisation and breakout:

1. every group with fewer than ``min_group_size`` respondents is suppressed;
2. while the suppressed groups together hold fewer than ``min_group_size`` respondents (so their
   combined answers could be recovered as *total − shown*), the smallest shown group is suppressed
   too (ties: by name).

After this, the suppressed groups either hold no respondent at all or together at least
``min_group_size``, so subtraction reveals at most an aggregate that is itself large enough to show.
Groups a profile names (role bands) but nobody answered for are ``no_data``, shown differently.

Scoring (:mod:`pmo2vmo.scoring`) counts as a group's size the respondents who gave at least one
scored answer — people who only said N/A or Don't know hide nothing — and applies the same rule a
second time per dimension inside the shown groups (groups hidden as a whole stay hidden), so that
no dimension score shown for a group rests on fewer than ``min_group_size`` people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class Status(StrEnum):
    """How a breakout group is shown."""

    OK = "ok"
    SUPPRESSED = "suppressed"
    NO_DATA = "no_data"


def suppress(
    sizes: Mapping[str, int], min_group_size: int, forced: Iterable[str] = ()
) -> dict[str, Status]:
    """Status of every group from its respondent count (see the module doc for the rule).

    ``forced`` names groups that are suppressed whatever their size (e.g. groups hidden at a
    higher level when the rule is applied again to one dimension); they count towards the hidden
    total like any other suppressed group.
    """
    forced = set(forced)
    status = {
        group: Status.NO_DATA
        if n == 0
        else Status.SUPPRESSED
        if n < min_group_size or group in forced
        else Status.OK
        for group, n in sizes.items()
    }

    def hidden_total() -> int:
        return sum(sizes[g] for g, s in status.items() if s is Status.SUPPRESSED)

    while 0 < hidden_total() < min_group_size:
        shown = sorted((sizes[g], g) for g, s in status.items() if s is Status.OK)
        if not shown:
            break
        status[shown[0][1]] = Status.SUPPRESSED
    return status
