"""Kernels forked from the warm process: what they start with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork + prctl")

PROBE = (
    "import gc, json, sys\n"
    "print(json.dumps({'frozen': gc.get_freeze_count(),\n"
    "                  'rfc3987': sys.modules.get('rfc3987_syntax', None) is not None,\n"
    "                  'warm': 'pmo2vmo.render.deck' in sys.modules}))"
)

# Run in a fresh interpreter, as a batch worker is: this test process has imported nbformat (and
# so, maybe, the slow optional import) already, and a zygote forked from it would inherit that.
SCRIPT = """
import sys
from pmo2vmo.execute.forkkernel import Zygote
from pmo2vmo.execute.pools import ForkPool, shutdown
zygote = Zygote()  # first, as a worker does: nothing has imported nbformat yet
import nbformat, papermill
notebook, folder, probe = sys.argv[1:]
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(probe)])
nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
nbformat.write(nb, notebook)
pool = ForkPool(zygote)
pool.prepare()
km = pool.take()
try:
    out = papermill.execute_notebook(notebook, None, km=km, progress_bar=False,
                                     request_save_on_cell_execute=False, cwd=folder)
finally:
    shutdown(km)
    pool.close()
print(out.cells[0].outputs[0].text)
"""


def test_forked_kernel_starts_warm_frozen_and_without_the_slow_import(tmp_path: Path) -> None:
    """A kernel forked from a worker's warm process finds pmo2vmo imported, the warm heap frozen
    out of the garbage collector's walks, jsonschema's slow optional grammar never imported, and
    prints nothing of debugpy's on standard error."""
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "probe.ipynb"),
                           str(tmp_path), PROBE], capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["frozen"] > 100_000  # the warm process's objects: pandas, plotly, IPython
    assert probe["rfc3987"] is False
    assert probe["warm"] is True
    assert "Debugger warning" not in done.stderr
