"""Parse several dbt projects in one process, so that dbt and its adapter start once (tests/test_dbt.py).

Run with the dbt venv's Python: ``parse_all.py RUNS.json``, a list of ``{"project": DIR, "env": {...},
"args": [...]}``. Each project is parsed with the MESHPLANE_* variables of its ``env`` only and the dbt
arguments ``args`` (the job's, after its subcommand); exit 1 if any parse fails.
"""

import json
import os
import sys

from dbt.cli.main import dbtRunner

failed = []
for run in json.loads(open(sys.argv[1], encoding="utf-8").read()):
    for name in [k for k in os.environ if k.startswith("MESHPLANE_")]:
        del os.environ[name]
    os.environ.update(run["env"])
    project = run["project"]
    result = dbtRunner().invoke(["parse", *run["args"], "--no-partial-parse", "--project-dir", project,
                                 "--profiles-dir", project])
    if not result.success:
        failed.append(project)
        print(f"parse_all: dbt parse failed in {project}: {result.exception}", flush=True)
sys.exit(1 if failed else 0)
