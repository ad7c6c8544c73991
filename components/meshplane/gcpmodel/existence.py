"""Existence and order: what the first ``pulumi up`` needs to exist, and be usable, before each create.

Pulumi creates a resource as soon as the resources it depends on are created, in parallel with
everything else. GCP refuses a create that names what does not exist yet (``gcp-behaviour.md`` §2):

* a grant to a service account that does not exist (``400 … does not exist``); right after its
  creation an account, a service agent or a KMS grant is not usable yet either (eventual
  consistency), so the grant must wait: a ``time:Sleep`` between the two;
* a CMEK dataset or table before the project's BigQuery agent may use the key (and has waited);
* a Cloud Run job before its service agent may read the image of another project;
* an alert policy before the log-based metric it counts, or before the product's project is in
  the alerting project's metrics scope (TPG #11102), each with a wait;
* anything in a project before the project, and before the API it calls is enabled;
* a table, grant or policy before its dataset or table; a view before the tables it reads;
* a key on a view (BigQuery refuses it) or a ``DatasetAccess`` entry the dataset's initial ACL
  already holds (the provider refuses it: "existing object already found").

What is not created by the stack is taken to exist, unless it is another stack's service account
not yet deployed (``world`` holds what earlier stacks created; ``pending`` what later ones will).
``first_up`` checks one stack; ``stack_order`` checks a whole environment in deploy order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..plan.harness import Registration, project_number
from ..plan.replacements import DATASET, DATASET_ACCESS, PROJECT, TABLE
from ..governance.rule_support import principals
from .readback import default_key, is_view

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
SA_SUFFIX = ".gserviceaccount.com"
BIGQUERY_AGENT = "@bigquery-encryption.iam.gserviceaccount.com"  # created when looked up
RUN_AGENT = "serverless-robot-prod.iam.gserviceaccount.com"
APIS = {"bigquery": "bigquery.googleapis.com", "cloudrunv2": "run.googleapis.com",
        "cloudscheduler": "cloudscheduler.googleapis.com", "dataplex": "dataplex.googleapis.com",
        "logging": "logging.googleapis.com", "pubsub": "pubsub.googleapis.com",
        "serviceaccount": "iam.googleapis.com"}
_IMAGE = re.compile(r"^(?P<location>[a-z0-9-]+)-docker\.pkg\.dev/(?P<project>[^/]+)/(?P<repository>[^/]+)/")
_METRIC_REF = re.compile(r'logging\.googleapis\.com/user/([^"\s]+)')
_PROJECT_REF = re.compile(r'(?:resource\.labels\.project_id|project)\s*=\s*"([^"]+)"')
_TABLE_REF = re.compile(r"`([^`]+)`\.`([^`]+)`\.`([^`]+)`")


@dataclass(frozen=True)
class Need:
    """Something a resource needs when it is created; ``wait``: usable only a while after creation."""

    key: str
    what: str
    wait: bool = False
    external: bool = True  # may exist before the stack deploys (else only this stack can make it)


@dataclass(frozen=True, order=True)
class Failure:
    """Where the first ``up`` would fail, and why."""

    urn: str
    message: str

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class World:
    """What exists before a stack deploys (created by earlier stacks), and what later stacks create."""

    existing: set[str] = field(default_factory=set)
    pending: dict[str, str] = field(default_factory=dict)  # key -> the stack that creates it ('' for none)


def principal_key(member: str) -> str:
    return f"principal:{member}"


def first_up(registrations: Iterable[Registration], world: World | None = None,
             existing: Iterable = ()) -> list[Failure]:
    """Where a ``pulumi up`` creating these registrations fails; empty when it succeeds.

    ``existing``: resources already deployed (a state's), which need nothing and provide what they make."""
    regs = list(registrations)
    world = world or World()
    world = World(world.existing | {key for s in existing for key in provides(s)}, dict(world.pending))
    by_urn = {r.urn: r for r in regs}
    providers: dict[str, list[str]] = {}
    for r in regs:
        for key in provides(r):
            if key not in world.existing:
                providers.setdefault(key, []).append(r.urn)
    ancestors = _Ancestors(by_urn)
    failures = [Failure(r.urn, message) for r in regs for message in rejections(r, by_urn)]
    for r in regs:
        for need in needs(r, providers):
            message = _unmet(r, need, providers.get(need.key, []), ancestors, by_urn, world)
            if message:
                failures.append(Failure(r.urn, message))
    return sorted(set(failures))


def _unmet(r: Registration, need: Need, makers: list[str], ancestors: _Ancestors,
           by_urn: dict[str, Registration], world: World) -> str | None:
    if makers:
        before = ancestors.of(r.urn)
        made = [m for m in makers if m in before]
        if not made:
            names = ", ".join(sorted(by_urn[m].name for m in makers))
            return f"needs {need.what}, created by {names} in this stack, without waiting for it"
        if need.wait and not any(s in before and by_urn[s].type == SLEEP and made_before(m, s, ancestors)
                                 for m in made for s in before):
            return (f"needs {need.what} right after it is created: GCP is eventually consistent there, so "
                    "a wait (time:Sleep) must come between them")
        return None
    if need.key in world.existing:
        return None
    if need.key in world.pending:
        if not world.pending[need.key]:
            return f"needs {need.what}, which no stack of this environment creates"
        return f"needs {need.what}, which stack {world.pending[need.key]} creates: deploy that stack first"
    return None if need.external else f"needs {need.what}, which nothing creates"


def made_before(maker: str, sleep: str, ancestors: _Ancestors) -> bool:
    return maker in ancestors.of(sleep)


class _Ancestors:
    """Transitive dependencies of each resource, computed once."""

    def __init__(self, by_urn: dict[str, Registration]):
        self._by_urn = by_urn
        self._memo: dict[str, frozenset[str]] = {}

    def of(self, urn: str) -> frozenset[str]:
        if urn in self._memo:
            return self._memo[urn]
        self._memo[urn] = frozenset()  # a cycle cannot be deployed: the engine refuses it anyway
        found: set[str] = set()
        for dep in self._by_urn[urn].dependencies if urn in self._by_urn else ():
            found.add(dep)
            found |= self.of(dep)
        self._memo[urn] = frozenset(found)
        return self._memo[urn]


def provides(r: Registration) -> Iterator[str]:
    """What a resource makes exist once created."""
    i, out = r.inputs, r.outputs or r.inputs
    if r.type in (ACCOUNT, SERVICE_IDENTITY) and out.get("email"):
        yield principal_key(f"serviceAccount:{out['email']}")
    elif r.type == SERVICE:
        yield f"api:{i.get('project')}/{i.get('service')}"
        if i.get("service") == "run.googleapis.com":
            yield principal_key(f"serviceAccount:{run_agent(str(i.get('project')))}")
    elif r.type == PROJECT:
        yield f"project:{i.get('projectId')}"
    elif r.type == KEY_GRANT:
        yield f"kms:{i.get('cryptoKeyId')}:{i.get('member')}"
    elif r.type == REPOSITORY_GRANT:
        yield f"image:{i.get('location')}/{i.get('project')}/{i.get('repository')}:{i.get('member')}"
    elif r.type == METRIC:
        yield f"metric:{i.get('project')}/{i.get('name')}"
    elif r.type == MONITORED_PROJECT:
        yield f"scope:{i.get('metricsScope')}/{str(i.get('name')).rsplit('/', 1)[-1]}"
    elif r.type == DATASET:
        yield f"dataset:{i.get('project')}.{i.get('datasetId')}"
    elif r.type == TABLE:
        yield f"table:{i.get('project')}.{i.get('datasetId')}.{i.get('tableId')}"
    elif r.type == ROUTINE:
        yield f"routine:{i.get('project')}.{i.get('datasetId')}.{i.get('routineId')}"


def needs(r: Registration, providers: dict[str, list[str]]) -> Iterator[Need]:
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
        agent = f"serviceAccount:bq-{project_number(str(project))}{BIGQUERY_AGENT}"
        yield Need(f"kms:{key}:{agent}", f"the BigQuery agent of {project} allowed to use key {key}", wait=True,
                   external=False)
    if r.type == RUN_JOB:
        yield from _image_need(r)
    if r.type == ALERT_POLICY:
        yield from _alert_needs(r)


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
    for project, dataset, table in _TABLE_REF.findall(((i.get("view") or {}).get("query")) or ""):
        yield Need(f"table:{project}.{dataset}.{table}", f"table {project}.{dataset}.{table} (the view reads it)")
    authorized = ((i.get("authorizedDataset") or {}).get("dataset") or {}) if r.type == DATASET_ACCESS else {}
    if authorized:
        yield Need(f"dataset:{authorized.get('projectId')}.{authorized.get('datasetId')}",
                   f"authorized dataset {authorized.get('datasetId')}")
    routine = (i.get("routine") or {}) if r.type == DATASET_ACCESS else {}
    if routine:
        yield Need(f"routine:{routine.get('projectId')}.{routine.get('datasetId')}.{routine.get('routineId')}",
                   f"routine {routine.get('routineId')}")


def _image_need(r: Registration) -> Iterator[Need]:
    containers = (((r.inputs.get("template") or {}).get("template") or {}).get("containers")) or []
    project = str(r.inputs.get("project"))
    for container in containers:
        match = _IMAGE.match(str(container.get("image", "")))
        if match and match["project"] != project:
            agent = f"serviceAccount:{run_agent(project)}"
            repo = f"{match['location']}/{match['project']}/{match['repository']}"
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


def rejections(r: Registration, by_urn: dict[str, Registration]) -> Iterator[str]:
    """Creates GCP or the provider refuse whatever the order."""
    if r.type == TABLE and is_view(r.inputs) and r.inputs.get("encryptionConfiguration"):
        yield "a view with encryptionConfiguration: BigQuery refuses a key on a view (views hold no data)"
    if r.type == DATASET_ACCESS:
        for d in by_urn.values():
            if d.type == DATASET and (d.inputs.get("project"), d.inputs.get("datasetId")) == (
                    r.inputs.get("project"), r.inputs.get("datasetId")) and _in_acl(r.inputs, d.inputs):
                yield ("an entry the dataset was created with: the provider refuses to create it "
                       "(\"existing object already found\")")


_ENTRY_KEYS = ("role", "userByEmail", "groupByEmail", "domain", "specialGroup", "iamMember", "view",
               "dataset", "routine")


def _in_acl(access: dict, dataset: dict) -> bool:
    wanted = {k: access.get(k) for k in _ENTRY_KEYS if access.get(k)}
    return any({k: e.get(k) for k in _ENTRY_KEYS if e.get(k)} == wanted for e in dataset.get("accesses") or [])


def run_agent(project: str) -> str:
    """The Cloud Run service agent of a project: created when the Run API is enabled."""
    return f"service-{project_number(project)}@{RUN_AGENT}"
