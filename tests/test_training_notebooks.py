"""Each training module runs top to bottom from its own folder under papermill, with the
placeholders (every check says "not answered yet") and with the solutions (every check passes);
every exercise starts from `answer = ...` and every notebook has a `parameters` cell."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from pmo2vmo.training.modules import module_notebooks

pytestmark = pytest.mark.slow
MODULES = module_notebooks()


def _feedback(notebook: Path) -> list[str]:
    """The status word of every feedback the executed notebook shows, in order."""
    found = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            text = output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if text[:1] in "✓…✗" and text:
                found.append(text.split(": ", 1)[1].split(".", 1)[0])
    return found


@pytest.mark.parametrize("module", MODULES, ids=[m.stem for m in MODULES])
def test_module_has_parameters_and_placeholders(module: Path) -> None:
    """A `parameters` cell sets `solutions = False`; each check is called on an `answer = ...`."""
    nb = nbformat.read(module, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert "solutions = False" in params[0].source
    exercises = [c for c in nb.cells if c.cell_type == "code" and "model_answer(" in c.source]
    assert exercises
    assert all(c.source.startswith("answer = ...") for c in exercises)


@pytest.mark.parametrize("solutions", [False, True], ids=["placeholders", "solutions"])
@pytest.mark.parametrize("module", MODULES, ids=[m.stem for m in MODULES])
def test_module_runs_with_placeholders_and_with_solutions(
    module: Path, solutions: bool, tmp_path: Path
) -> None:
    """papermill -k python3 -p solutions False|True, from the module's folder: no error, and
    every check says "not answered yet" (placeholders) or "passed" (solutions)."""
    out = tmp_path / module.name
    papermill.execute_notebook(str(module), str(out), kernel_name="python3",
                               parameters={"solutions": solutions}, cwd=str(module.parent),
                               progress_bar=False)  # fmt: skip
    statuses = _feedback(out)
    exercises = sum(1 for c in nbformat.read(module, as_version=4).cells
                    if c.cell_type == "code" and "model_answer(" in c.source)  # fmt: skip
    assert len(statuses) == exercises
    assert set(statuses) == {"passed" if solutions else "not answered yet"}
