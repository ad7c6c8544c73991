"""The ``meshplane`` command: its subcommands, ``meshplane new`` and the generated references."""
