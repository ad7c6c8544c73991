"""The README's example of ``meshplane preflight`` and ``meshplane audit``, against the tests' fakes.

``python tests/live_demo.py audit`` deploys podcast-prod's plan into a local BigQuery fake as planned,
then does what a console user might: grants an intern read on a port dataset, adds the project-role
defaults to another, drops the policy tag of a PII column; and runs ``meshplane audit`` against it.
``python tests/live_demo.py preflight``: the consuming runner of another stack was never created and a
column the interface view reads is gone from the port table; ``meshplane preflight`` finds both.
Both run with ``--state`` (the deployed stack's export, whose projects have numbers the offline plan
cannot know). The commands are the real ones; only the endpoints (``MESHPLANE_*_ENDPOINT``) point at the fakes.
Further arguments go to the command: ``python tests/live_demo.py audit --format markdown``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", "You are using a Python version", FutureWarning)

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "components")]

from live_fakes import FakeBigQuery, FakeIam  # noqa: E402
from live_rest_fake import FakeRest  # noqa: E402
from live_support import deployed, iam_ready, real_state, rest_ready, upstream_ready  # noqa: E402

from meshplane.gcpmodel.state import export_document, render_state  # noqa: E402
from meshplane.live.expected import expected_state  # noqa: E402
from meshplane.live.run import real_numbers  # noqa: E402
from meshplane.plan.run import plan_stack  # noqa: E402

CATALOG, DEMOGRAPHICS = "daff-prod-podcast-podca-6927d4", "daff-prod-podcast-podca-d278f6"


def console_changes(state) -> None:
    state.datasets[f"{CATALOG}.podcast_catalog_podcasts_v1"]["access"].append(
        {"role": "READER", "userByEmail": "intern@daff.example"})
    state.datasets[f"{DEMOGRAPHICS}.podcast_demographics_demographics_v1"]["access"] += [
        {"role": "READER", "specialGroup": "projectReaders"}, {"role": "WRITER", "specialGroup": "projectWriters"}]
    for field in state.tables[f"{DEMOGRAPHICS}.podcast_demographics_internal.demographics_v1"]["schema"]["fields"]:
        field.pop("policyTags", None)


def not_ready(state, iam) -> None:
    iam.accounts.discard("run-year-in-review@daff-prod-playlist-year-0015af.iam.gserviceaccount.com")
    fields = state.tables[f"{CATALOG}.podcast_catalog_internal.episodes_v1"]["schema"]["fields"]
    fields[:] = [f for f in fields if f["name"] != "explicit"]


def main(command: str) -> int:
    from meshplane.cli.main import main as meshplane

    os.chdir(ROOT)
    deployment = real_state(plan_stack("podcast-prod", "stacks"))  # GCP's project numbers, not the mocks'
    plan = plan_stack("podcast-prod", "stacks", state=deployment)
    state = deployed(expected_state(plan.inventory.registrations, numbers=real_numbers(deployment)))
    iam_state = iam_ready(plan)
    upstream_ready(plan, state)
    console_changes(state) if command == "audit" else not_ready(state, iam_state)
    with tempfile.TemporaryDirectory() as tmp, FakeBigQuery(state) as bq, FakeIam(iam_state) as iam, \
            FakeRest(rest_ready(plan)) as rest:
        exported = Path(tmp) / "state.json"  # what `pulumi stack export --file state.json` writes
        exported.write_text(render_state(export_document(deployment, stack="podcast-prod", project="data-mesh")))
        os.environ.update(MESHPLANE_BIGQUERY_ENDPOINT=bq.endpoint, MESHPLANE_IAM_ENDPOINT=iam.endpoint,
                          MESHPLANE_REST_ENDPOINT=rest.endpoint)
        try:
            meshplane([command, "--stack", "podcast-prod", "--state", str(exported), *sys.argv[2:]],
                      standalone_mode=False)
        except SystemExit as done:
            return int(done.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
