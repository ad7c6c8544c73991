"""``python -m meshplane``: the same command as the ``meshplane`` console script."""

from .cli.main import main

main(prog_name="meshplane")
