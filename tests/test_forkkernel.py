"""Kernels forked from the warm process: what they start with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork + prctl")

PROBE = (
    "import gc, json, logging, sys\n"
    "print(json.dumps({'frozen': gc.get_freeze_count(),\n"
    "                  'rfc3987': sys.modules.get('rfc3987_syntax', None) is not None,\n"
    "                  'nbformat': 'nbformat' in sys.modules,\n"
    "                  'warm': 'pmo2vmo.render.deck' in sys.modules,\n"
    "                  'debug': get_ipython().kernel.log.isEnabledFor(logging.DEBUG)}))"
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
    out of the garbage collector's walks, neither nbformat (a kernel never needs it) nor
    jsonschema's slow optional grammar imported, its logger building no debug records, and
    prints nothing of debugpy's on standard error."""
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "probe.ipynb"),
                           str(tmp_path), PROBE], capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["frozen"] > 100_000  # the warm process's objects: pandas, plotly, IPython
    assert probe["rfc3987"] is False
    assert probe["nbformat"] is False
    assert probe["warm"] is True
    assert probe["debug"] is False
    assert "Debugger warning" not in done.stderr


# Two processes connected to one zygote, as a batch's workers are: each forks a kernel; the first
# then dies (SIGKILL), and the zygote must kill that one's kernel and keep serving the other.
SHARED = """
import os, signal, sys, time
from pmo2vmo.execute.forkkernel import Zygote, ZygoteClient
zygote = Zygote(wait=False)
folder = sys.argv[1]
read, write = os.pipe()
child = os.fork()
if child == 0:  # a worker: connects, forks a kernel, reports its pid, then is killed
    os.close(read)
    worker = ZygoteClient(zygote.address)  # kept: closing it would kill its kernels
    kernel = worker.fork_kernel(folder + "/a.json", folder, {})
    os.write(write, str(kernel).encode())
    time.sleep(600)
os.close(write)
theirs = int(os.read(read, 64))
client = ZygoteClient(zygote.address)
ours = client.fork_kernel(folder + "/b.json", folder, {})
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False
deadline = time.monotonic() + 10
while alive(theirs) and time.monotonic() < deadline:
    time.sleep(0.05)
print(alive(theirs), alive(ours))
zygote.close()
deadline = time.monotonic() + 10
while alive(ours) and time.monotonic() < deadline:
    time.sleep(0.05)
print(alive(ours))
"""


def test_one_zygote_serves_several_workers_and_kills_a_dead_ones_kernels(tmp_path: Path) -> None:
    """Workers share one warm process: each connection forks its own kernels, and a worker
    that dies takes its kernels with it while the other's keep running until the zygote is
    closed. (The variables a worker passes its kernels are pinned by the batch's kills-worker
    client, whose kernel finds its worker's pid in its environment.)"""
    for name in ("a", "b"):
        _connection_file(tmp_path / f"{name}.json")
    done = subprocess.run([sys.executable, "-c", SHARED, str(tmp_path)], capture_output=True,
                          text=True, timeout=180, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    first, last = done.stdout.strip().splitlines()[-2:]
    assert first == "False True"  # the dead worker's kernel killed, the live one's running
    assert last == "False"  # closing the zygote stops the kernels it forked


def _connection_file(path: Path) -> None:
    from jupyter_client.connect import write_connection_file

    write_connection_file(str(path), ip="127.0.0.1", transport="tcp", key=b"k" * 16)


def test_a_zygote_that_cannot_warm_up_says_so_to_whoever_waits_for_it() -> None:
    """A warm process whose warm-up fails exits, and a worker waiting on it gets ZygoteError
    (and so starts its kernels from the kernelspec) instead of waiting for ever; its creator
    gets the reason."""
    from pmo2vmo.errors import ZygoteError
    from pmo2vmo.execute.forkkernel import Zygote, ZygoteClient

    zygote = Zygote(preload=("pmo2vmo_no_such_module",), wait=False, timeout=60)
    try:
        with pytest.raises(ZygoteError, match="gone"):
            ZygoteClient(zygote.address, timeout=60).wait_ready()
        with pytest.raises(ZygoteError, match="ModuleNotFoundError"):
            zygote.wait_ready()
    finally:
        zygote.close()
