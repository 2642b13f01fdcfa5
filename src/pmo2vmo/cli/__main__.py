"""``python -m pmo2vmo.cli``: the command line (as the ``pmo2vmo`` script)."""

from pmo2vmo.cli import main

main()
