"""The base of every data-file model (unknown keys refused, values frozen, text stripped) and validation errors that name the file, the key and the value."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from pmo2vmo.errors import InstrumentError
from pmo2vmo.util.text import CONTROL, clip


def _no_control(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("holds control characters (tabs, line breaks or terminal codes)")
    return value


#: Client text on one line: no tabs, line breaks or terminal codes (names, paths).
PlainText = Annotated[str, AfterValidator(_no_control)]

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base of every data-file model: unknown keys refused, values frozen, text stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


#: The tags of the condition union (pmo2vmo.model.archetypes.Clause), never keys of a file.
UNION_TAGS = frozenset({"condition", "any", "all"})


def _key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """Turn a pydantic location into ``dimensions[VC-OBJ].questions[VC-OBJ-02].weight``.

    List positions are replaced by the element's ``id`` where it has one, so the path names what a
    consultant sees in the file.
    """
    out = ""
    node = data
    for n, part in enumerate(loc):
        if part in UNION_TAGS and n > 0 and isinstance(loc[n - 1], int):
            following = loc[n + 1] if n + 1 < len(loc) else None
            if part == "condition" or following == part:
                continue  # the tag of a union member (a condition or a group of them), not a key
        if isinstance(part, int):
            label: str = str(part)
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    label = node["id"]
            else:
                node = None
            out += f"[{label}]"
        else:
            node = node.get(part) if isinstance(node, dict) else None
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def validation_messages(path: Path | str, exc: ValidationError, data: Any) -> list[str]:
    """One ``file: key: message (got value)`` line per pydantic error."""
    lines = []
    for err in exc.errors():
        key = _key_path(tuple(err["loc"]), data)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key (check its spelling)"
        value = err.get("input")
        shown = "" if err["type"] == "missing" else f" (got {clip(repr(value))})"
        if isinstance(value, dict | list) and err["type"] != "extra_forbidden":
            shown = ""
        lines.append(f"{path}: {key}: {message}{shown}")
    return lines


def parse_model(model: type[M], path: Path, data: Any) -> M:
    """Validate ``data`` read from ``path`` as ``model``, raising one error listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InstrumentError(validation_messages(path, exc, data)) from None
