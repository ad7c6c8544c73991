"""What each resource makes exist once created, and what it needs when it is created: the per-type
facts behind the existence check (``existence.py``), from ``gcp-behaviour.md`` §2.

* Made: a service account or service agent (its e-mail; a log sink's writer identity), an enabled API (and, for Run, its agent),
  a project, a KMS or image-repository grant, a log-based metric, a metrics-scope entry, a dataset,
  table or routine.
* Needed: the project and its API; every service account a resource grants or runs as (usable only
  a while after it is created: a wait); for CMEK data, the project's BigQuery agent on the key (a
  wait); for a Cloud Run job, the project's Cloud Run agent on another project's image repository (a
  wait); for an alert, its log-based metric and the metrics scope (waits); for a BigQuery
  subscription, the Pub/Sub agent's write on its table (a wait); the dataset, table or routine it
  lives in or reads. A view cannot read a log sink's export table at the first ``up``: the sink
  creates it on its first export (a procedure may name it: its body is resolved when it is called).
* Refused whatever the order: a key on a view; a ``DatasetAccess`` for an entry the dataset was
  created with.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..product.addresses import image_repository
from .resource_grants import principals
from ..engine.harness import Registration
from ..engine.mocks import project_number
from .replacements import DATASET, DATASET_ACCESS, PROJECT, TABLE
from .readback import default_key, is_view
from .table_schema import has_required_field

SLEEP = "time:index/sleep:Sleep"
ACCOUNT = "gcp:serviceaccount/account:Account"
SERVICE_IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity"
SERVICE = "gcp:projects/service:Service"
KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
REPOSITORY_GRANT = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
METRIC = "gcp:logging/metric:Metric"
MONITORED_PROJECT = "gcp:monitoring/monitoredProject:MonitoredProject"
ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
RUN_JOB = "gcp:cloudrunv2/job:Job"
SCHEDULER_JOB = "gcp:cloudscheduler/job:Job"
ROUTINE = "gcp:bigquery/routine:Routine"
TABLE_IAM = "gcp:bigquery/iamMember:IamMember"
SUBSCRIPTION = "gcp:pubsub/subscription:Subscription"
SINK = "gcp:logging/projectSink:ProjectSink"
SINK_TABLE_PREFIX = "cloudaudit_googleapis_com_"  # tables a log sink's first export creates, never the stack
SA_SUFFIX = ".gserviceaccount.com"
BIGQUERY_AGENT = "@bigquery-encryption.iam.gserviceaccount.com"  # created when looked up
RUN_AGENT = "serverless-robot-prod.iam.gserviceaccount.com"
APIS = {"bigquery": "bigquery.googleapis.com", "cloudrunv2": "run.googleapis.com",
        "cloudscheduler": "cloudscheduler.googleapis.com", "dataplex": "dataplex.googleapis.com",
        "logging": "logging.googleapis.com", "pubsub": "pubsub.googleapis.com",
        "serviceaccount": "iam.googleapis.com"}
_METRIC_REF = re.compile(r'logging\.googleapis\.com/user/([^"\s]+)')
_PROJECT_REF = re.compile(r'(?:resource\.labels\.project_id|project)\s*=\s*"([^"]+)"')
TABLE_REF = re.compile(r"`([^`]+)`\.`([^`]+)`\.`([^`]+)`")


@dataclass(frozen=True)
class Need:
    """Something a resource needs when it is created; ``wait``: usable only a while after creation."""

    key: str
    what: str
    wait: bool = False
    external: bool = True  # may exist before the stack deploys (else only this stack can make it)


def principal_key(member: str) -> str:
    return f"principal:{member}"


MADE = {PROJECT: "project:{projectId}", KEY_GRANT: "kms:{cryptoKeyId}:{member}",
        REPOSITORY_GRANT: "image:{location}/{project}/{repository}:{member}", METRIC: "metric:{project}/{name}",
        DATASET: "dataset:{project}.{datasetId}", TABLE: "table:{project}.{datasetId}.{tableId}",
        ROUTINE: "routine:{project}.{datasetId}.{routineId}", SERVICE: "api:{project}/{service}"}


def provides(r: Registration, numbers: Mapping[str, str] | None = None) -> Iterator[str]:
    """What a resource makes exist once created (keys named as ``needs`` names them); ``numbers``:
    known project numbers (the agents' e-mails hold them)."""
    i, out = r.inputs, r.outputs or r.inputs
    if r.type in MADE:
        yield MADE[r.type].format_map(defaultdict(str, i))
    if r.type == TABLE_IAM and i.get("role") == "roles/bigquery.dataEditor":
        yield f"write:{i.get('project')}.{i.get('datasetId')}.{i.get('tableId')}:{i.get('member')}"
    if r.type in (ACCOUNT, SERVICE_IDENTITY) and out.get("email"):
        yield principal_key(f"serviceAccount:{out['email']}")
    elif r.type == SERVICE and i.get("service") == "run.googleapis.com":
        yield principal_key(f"serviceAccount:{run_agent(str(i.get('project')), numbers)}")  # it comes with the API
    elif r.type == SINK and out.get("writerIdentity"):
        yield principal_key(str(out["writerIdentity"]))  # a service agent that appears with the sink
    elif r.type == MONITORED_PROJECT:
        yield f"scope:{i.get('metricsScope')}/{str(i.get('name')).rsplit('/', 1)[-1]}"


def needs(r: Registration, providers: dict[str, list[str]], numbers: Mapping[str, str] | None = None
          ) -> Iterator[Need]:
    """What a resource needs when it is created (keys nothing in the stack provides are external)."""
    i = r.inputs
    project = i.get("project")
    if isinstance(project, str) and r.type != PROJECT:
        yield Need(f"project:{project}", f"project {project}")
        api = i.get("service") if r.type == SERVICE_IDENTITY else APIS.get(r.type.split(":")[1].split("/")[0])
        if api and r.type != SERVICE:  # a created project has only the APIs the stack enables
            yield Need(f"api:{project}/{api}", f"the {api} API of {project}",
                       external=f"project:{project}" not in providers)
    for member in sorted(set(_service_accounts(r))):
        if not member.endswith(BIGQUERY_AGENT):
            yield Need(principal_key(member), f"service account {member.split(':', 1)[1]}", wait=True)
    yield from _references(r)
    if r.type in (DATASET, TABLE) and (key := _key_of(r)):
        agent = f"serviceAccount:bq-{project_number(str(project), numbers)}{BIGQUERY_AGENT}"
        yield Need(f"kms:{key}:{agent}", f"the BigQuery agent of {project} allowed to use key {key}", wait=True,
                   external=False)
    if r.type == RUN_JOB:
        yield from _image_need(r, numbers)
    if r.type == ALERT_POLICY:
        yield from _alert_needs(r)
    if r.type == SUBSCRIPTION and (table := ((i.get("bigqueryConfig") or {}).get("table"))):
        agent = f"serviceAccount:service-{project_number(str(project), numbers)}@gcp-sa-pubsub.iam.gserviceaccount.com"
        yield Need(f"write:{table}:{agent}", f"the Pub/Sub agent of {project} allowed to write {table}", wait=True,
                   external=False)


def _key_of(r: Registration) -> str | None:
    if r.type == DATASET:
        return default_key(r.inputs)
    return (r.inputs.get("encryptionConfiguration") or {}).get("kmsKeyName") or None


def _service_accounts(r: Registration) -> Iterator[str]:
    """The service accounts a resource grants or runs as (``serviceAccount:<e-mail>``)."""
    for value in principals(r.inputs):
        email = value.split(":", 1)[1] if ":" in value else value
        if email.endswith(SA_SUFFIX) and value.startswith(("serviceAccount:", email)):
            yield f"serviceAccount:{email}"
    template = ((r.inputs.get("template") or {}).get("template") or {}) if r.type == RUN_JOB else {}
    oauth = ((r.inputs.get("httpTarget") or {}).get("oauthToken") or {}) if r.type == SCHEDULER_JOB else {}
    for email in (template.get("serviceAccount"), oauth.get("serviceAccountEmail")):
        if email:
            yield f"serviceAccount:{email}"


def _references(r: Registration) -> Iterator[Need]:
    """The dataset, table or routine a resource is created in or reads."""
    i = r.inputs
    if r.type not in (DATASET, PROJECT) and r.type.startswith("gcp:bigquery/") and i.get("datasetId"):
        yield Need(f"dataset:{i.get('project')}.{i.get('datasetId')}", f"dataset {i.get('datasetId')}")
        if r.type != TABLE and i.get("tableId"):
            yield Need(f"table:{i.get('project')}.{i.get('datasetId')}.{i.get('tableId')}",
                       f"table {i.get('tableId')}")
    for project, dataset, table in TABLE_REF.findall(((i.get("view") or {}).get("query")) or ""):
        if table.startswith(SINK_TABLE_PREFIX):  # a procedure may name it: its body is resolved when called
            yield Need(f"table:{project}.{dataset}.{table}", f"table {project}.{dataset}.{table} (the view reads "
                       "it), which a log sink creates on its first export, after the deploy", external=False)
        else:
            yield Need(f"table:{project}.{dataset}.{table}", f"table {project}.{dataset}.{table} (the view reads it)")
    authorized = ((i.get("authorizedDataset") or {}).get("dataset") or {}) if r.type == DATASET_ACCESS else {}
    if authorized:
        yield Need(f"dataset:{authorized.get('projectId')}.{authorized.get('datasetId')}",
                   f"authorized dataset {authorized.get('datasetId')}")
    routine = (i.get("routine") or {}) if r.type == DATASET_ACCESS else {}
    if routine:
        yield Need(f"routine:{routine.get('projectId')}.{routine.get('datasetId')}.{routine.get('routineId')}",
                   f"routine {routine.get('routineId')}")


def _image_need(r: Registration, numbers: Mapping[str, str] | None) -> Iterator[Need]:
    containers = (((r.inputs.get("template") or {}).get("template") or {}).get("containers")) or []
    project = str(r.inputs.get("project"))
    for container in containers:
        repository = image_repository(str(container.get("image", "")))
        if repository and repository[1] != project:
            agent = f"serviceAccount:{run_agent(project, numbers)}"
            repo = "/".join(repository)
            yield Need(f"image:{repo}:{agent}", f"the Cloud Run agent of {project} allowed to read "
                       f"the image repository {repo}", wait=True, external=False)


def _alert_needs(r: Registration) -> Iterator[Need]:
    project = r.inputs.get("project")
    for condition in r.inputs.get("conditions") or []:
        query = str(((condition.get("conditionThreshold") or {}).get("filter")) or "")
        watched = set(_PROJECT_REF.findall(query))
        for name in _METRIC_REF.findall(query):
            for where in watched or {project}:
                yield Need(f"metric:{where}/{name}", f"log-based metric {name} of {where}", wait=True,
                           external=False)
        for where in sorted(watched - {project}):
            yield Need(f"scope:{project}/{where}", f"project {where} in the metrics scope of {project}", wait=True,
                       external=False)


def rejections(r: Registration, initial_acls: dict[tuple, list]) -> Iterator[str]:
    """Creates GCP or the provider refuse whatever the order (``initial_acls``: each dataset's access list)."""
    if r.type == TABLE and is_view(r.inputs) and r.inputs.get("encryptionConfiguration"):
        yield "a view with encryptionConfiguration: BigQuery refuses a key on a view (views hold no data)"
    if r.type == TABLE and is_view(r.inputs) and has_required_field(r.inputs.get("schema") or "[]"):
        yield ("a view with a REQUIRED field in its schema: the provider refuses it (\"Schema cannot contain "
               "required fields when creating a view\"); a view's fields are NULLABLE or REPEATED")
    if r.type == DATASET_ACCESS and _in_acl(r.inputs, initial_acls.get((r.inputs.get("project"),
                                                                         r.inputs.get("datasetId")), [])):
        yield ("an entry the dataset was created with: the provider refuses to create it "
               "(\"existing object already found\")")


_ENTRY_KEYS = ("role", "userByEmail", "groupByEmail", "domain", "specialGroup", "iamMember", "view",
               "dataset", "routine")


def _in_acl(access: dict, entries: list) -> bool:
    wanted = {k: access.get(k) for k in _ENTRY_KEYS if access.get(k)}
    return any({k: e.get(k) for k in _ENTRY_KEYS if e.get(k)} == wanted for e in entries)


def run_agent(project: str, numbers: Mapping[str, str] | None = None) -> str:
    """The Cloud Run service agent of a project: created when the Run API is enabled."""
    return f"service-{project_number(project, numbers)}@{RUN_AGENT}"


def referenced_tables(sql: str) -> set[str]:
    """The ``project.dataset.table`` names a generated query or procedure reads (backquoted parts)."""
    return {".".join(parts) for parts in TABLE_REF.findall(sql)}
