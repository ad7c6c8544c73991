"""Waits where GCP is eventually consistent: a ``time:Sleep`` between a create and what needs it.

Each wait sleeps once, when it is first created (``create_duration``): later ``pulumi up`` runs pass
through it at once, and Pulumi keeps creating everything else meanwhile. Its ``triggers`` name what
it waits for (e-mails, a key, a repository): when they change, for instance when a product gains an
invoker, the wait is replaced and sleeps again before the new grants. The durations cover the
usual propagation (``gcp-behaviour.md`` §2); a first deploy that still meets a late propagation
succeeds when ``pulumi up`` is run again (``docs/deploy.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumiverse_time as time

from .options import child

ACCOUNTS = "60s"  # new service accounts and service agents before their grants (TPG PR #26429)
KEY_GRANT = "60s"  # a KMS grant before BigQuery encrypts with the key
IMAGE_GRANT = "60s"  # the Cloud Run agent's read on another project's repository before the job
TABLE_GRANT = "60s"  # the Pub/Sub agent's write on a table before the BigQuery subscription
BUCKET_GRANT = "60s"  # the transfer account's write on a landing bucket before the transfer job
METRICS = "120s"  # a log-based metric or metrics scope before the alert policy reads it (TPG #11102)


def wait(name: str, parent: pulumi.Resource, after: Sequence[pulumi.Resource], duration: str,
         triggers: Mapping[str, pulumi.Input[str]]) -> time.Sleep:
    """A sleep of ``duration`` that starts once ``after`` exist, again whenever ``triggers`` change; depend
    on it to wait for them."""
    return time.Sleep(name, create_duration=duration, triggers=dict(triggers),
                      opts=child(parent, depends_on=list(after)))
