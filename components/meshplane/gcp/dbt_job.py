"""The transformation: a Cloud Run job running the product's dbt image, started by Cloud Scheduler.

* The job runs as the runner account (the product's identity on the mesh) in the job region
  (``job_region``: within the data's location). Its environment tells dbt where everything is
  (``job_env``). ``command[0]`` replaces the image's ENTRYPOINT, the rest are its arguments; the
  profile output it runs is the one its ``--target`` names (``declaration/dbt_invocation.py``).
* Cloud Scheduler POSTs to the Cloud Run Admin API ``…/jobs/<job>:run`` with an OAuth token
  (scope cloud-platform), not OIDC: the endpoint is a googleapis.com API, not a Run URL. The token
  is minted for a dedicated invoker account holding ``roles/run.invoker`` on this job only.
* Overlapping runs: the scheduler does not wait for a run to finish (``:run`` returns once the
  execution is accepted), so a schedule firing more often than the timeout is refused by the
  declaration rules (``transformation.dbt.schedule.cron``).
* A failed execution opens an incident of the alert policy, which is created even without
  notification channels: it then shows in the console only. A policy can only notify channels of
  its own project, so it lives in the channels' project, whose metrics scope then gets the
  product's project (``MonitoredProject``) and whose filter names the product's project.
* Dormant ⇒ the schedule is paused and the job kept. Retired ⇒ no ``DbtJob`` at all.
* The image: Cloud Run pulls it as the project's Cloud Run service agent. When it lives in another
  project's Artifact Registry repository, the agent gets ``roles/artifactregistry.reader`` on that
  repository, and the job waits for the grant to propagate. An image in the product's own project
  needs no grant; other registries are not granted by meshplane (``docs/deploy.md``).
* The runner and the invoker are the product's ``Identity``; everything that names them waits
  for ``Identity.ready``. The alert waits for the metrics scope to include the product's project.

Not granted here: whoever deploys needs ``iam.serviceAccounts.actAs`` (roles/iam.serviceAccountUser)
on the runner (to create the job) and on the invoker (to create the schedule), and ``setIamPolicy``
on the image's repository.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product import standards
from ..product.addresses import image_repository
from ..declaration.dbt_invocation import (ENV_PREFIX, INTERNAL_DATASET_ENV, LOCATION_ENV, PROJECT_ENV, input_env,
                                          port_env)
from ..declaration.model import Dbt
from ..declaration.types import parse_duration
from . import roles, waits
from .alerting import alert_project, failure_alert, metrics_scope
from .options import child, component_token, grant_child


CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
FAILED_EXECUTIONS = "run.googleapis.com/job/completed_execution_count"
JOB_NAME_MAX = 63
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class DbtJobArgs:
    """The declared dbt job, where it runs, as whom, on which schedule, and whom to alert."""

    project: str
    region: str  # from job_region(): within the data's location
    product_id: str
    job_name: str  # job_name(product): the Cloud Run and Cloud Scheduler job name
    image: str
    command: list[str]  # [ENTRYPOINT, *args]
    timeout: str  # ISO 8601 duration of one attempt, e.g. PT1H
    max_retries: int
    env: dict[str, str]  # job_env(): meshplane's variables and the declared ones
    runner_email: pulumi.Input[str]
    invoker: gcp.serviceaccount.Account  # Identity.invoker: mints the scheduler's token
    ready: pulumi.Resource  # Identity.ready: the runner, the invoker and the Cloud Run agent are usable
    run_agent: pulumi.Input[str]  # serviceAccount:<the project's Cloud Run service agent>
    cron: str
    time_zone: str
    labels: dict[str, str]
    paused: bool = False  # dormant products keep the job, and pause the schedule
    cpu: str = "1"
    memory: str = "2Gi"
    notification_channels: list[str] = field(default_factory=list)
    runbook_url: str | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # run, scheduler, iam, monitoring APIs

    @classmethod
    def from_declaration(cls, dbt: Dbt, *, product: str, **rest) -> DbtJobArgs:
        """Args from the declaration's ``transformation.dbt``; ``rest`` holds the other fields."""
        return cls(job_name=job_name(product), image=dbt.image, command=list(dbt.command), timeout=dbt.timeout,
                   max_retries=dbt.max_retries, cron=dbt.schedule.cron, time_zone=dbt.schedule.time_zone, **rest)


class DbtJob(pulumi.ComponentResource):
    """The Cloud Run job, its image grant, the schedule that starts it and the alert on its failures."""

    def __init__(self, name: str, args: DbtJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("DbtJob"), name, None, opts)
        self.alerting_project = alert_project(args.notification_channels, args.project)  # fails early
        self.invoker = args.invoker
        self.image_read = self._image_read(name, args)
        self.job = self._job(name, args)
        self.invoker_binding = gcp.cloudrunv2.JobIamMember(
            f"{name}-invoker-run", project=self.job.project, location=self.job.location,
            name=self.job.name, role=roles.RUN_INVOKER, member=self.invoker.member,
            opts=grant_child(self, depends_on=[args.ready]))
        self.schedule = self._schedule(name, args)
        self.metrics_scope = metrics_scope(name, self, self.alerting_project, args.project, args.depends_on)
        self.alert = self._alert(name, args)
        self.run_uri = run_uri(args.project, args.region, args.job_name)
        self.register_outputs({"job": self.job.name, "run_uri": self.run_uri})

    def _job(self, name: str, args: DbtJobArgs) -> gcp.cloudrunv2.Job:
        container = gcp.cloudrunv2.JobTemplateTemplateContainerArgs(
            image=args.image, commands=args.command[:1], args=args.command[1:] or None,
            envs=[gcp.cloudrunv2.JobTemplateTemplateContainerEnvArgs(name=k, value=v)
                  for k, v in sorted(args.env.items())],
            resources=gcp.cloudrunv2.JobTemplateTemplateContainerResourcesArgs(
                limits={"cpu": args.cpu, "memory": args.memory}))
        return gcp.cloudrunv2.Job(
            name, project=args.project, location=args.region, name=args.job_name, labels=args.labels,
            template=gcp.cloudrunv2.JobTemplateArgs(template=gcp.cloudrunv2.JobTemplateTemplateArgs(
                service_account=args.runner_email, timeout=timeout_seconds(args.timeout),
                max_retries=args.max_retries, containers=[container])),
            deletion_protection=False,  # a job holds no data: a region change must be able to replace it
            opts=child(self, depends_on=[args.ready, *args.depends_on, *self.image_read]))

    def _image_read(self, name: str, args: DbtJobArgs) -> list[pulumi.Resource]:
        """The Cloud Run agent's read on the image's repository in another project, and a wait after it."""
        repository = image_repository(args.image)
        if repository is None or repository[1] == args.project:
            return []
        location, project, repo = repository
        grant = gcp.artifactregistry.RepositoryIamMember(
            f"{name}-image-read", project=project, location=location, repository=repo,
            role=roles.ARTIFACT_READER, member=args.run_agent, opts=grant_child(self, depends_on=[args.ready]))
        return [grant, waits.wait(f"{name}-image-read-propagation", self, [grant], waits.IMAGE_GRANT,
                                  {"repository": "/".join(repository)})]

    def _schedule(self, name: str, args: DbtJobArgs) -> gcp.cloudscheduler.Job:
        return gcp.cloudscheduler.Job(
            f"{name}-schedule", project=args.project, region=args.region, name=args.job_name,
            description=f"Starts the dbt job of {args.product_id}; does not wait for a run to finish.",
            schedule=args.cron, time_zone=args.time_zone, paused=args.paused,
            attempt_deadline="180s",  # covers the :run call only, which returns once the run is accepted
            # A failed :run started nothing, so a retry cannot overlap a run. Backoff 60, 120, 240 s
            # outlasts the usual IAM propagation after a first deployment.
            retry_config=gcp.cloudscheduler.JobRetryConfigArgs(
                retry_count=3, min_backoff_duration="60s", max_backoff_duration="600s", max_doublings=3),
            http_target=gcp.cloudscheduler.JobHttpTargetArgs(
                http_method="POST", uri=run_uri(args.project, args.region, args.job_name),
                oauth_token=gcp.cloudscheduler.JobHttpTargetOauthTokenArgs(
                    service_account_email=self.invoker.email, scope=CLOUD_PLATFORM_SCOPE)),
            opts=child(self, depends_on=[self.invoker_binding, *args.depends_on]))

    def _alert(self, name: str, args: DbtJobArgs) -> gcp.monitoring.AlertPolicy:
        return failure_alert(
            f"{name}-failed", self, project=self.alerting_project, display_name=f"dbt job of {args.product_id} failed",
            condition=f"Failed executions of {args.job_name}",
            metric_filter=failed_executions_filter(args.project, args.region, args.job_name),
            channels=args.notification_channels, documentation=alert_documentation(args),
            runbook_url=args.runbook_url, labels=args.labels, depends_on=[self.job, *args.depends_on],
            wait_for={f"scope {self.alerting_project}": self.metrics_scope} if self.metrics_scope else None)


def job_name(product: str) -> str:
    """The job's name, ``dbt-<product>``: lowercase, at most 63 characters."""
    return standards.shorten(f"dbt-{product}", JOB_NAME_MAX)


def timeout_seconds(duration: str) -> str:
    """An ISO 8601 duration as the seconds Cloud Run takes: ``PT1H`` → ``"3600s"``."""
    return f"{int(parse_duration(duration).total_seconds())}s"


def run_uri(project: str, region: str, job: str) -> str:
    """The Cloud Run Admin API (v2) method that starts an execution of ``job``."""
    return f"https://run.googleapis.com/v2/projects/{project}/locations/{region}/jobs/{job}:run"


def failed_executions_filter(project: str, region: str, job: str) -> str:
    """The Monitoring filter of this job's failed executions (project-qualified for metrics scopes)."""
    return " AND ".join((
        f'metric.type = "{FAILED_EXECUTIONS}"', 'metric.labels.result = "failed"',
        'resource.type = "cloud_run_job"', f'resource.labels.project_id = "{project}"',
        f'resource.labels.location = "{region}"', f'resource.labels.job_name = "{job}"'))


def alert_documentation(args: DbtJobArgs) -> str:
    """What the person paged reads: which product, which job, where to look, how to rerun."""
    where = f"--region {args.region} --project {args.project}"
    return (f"An execution of the dbt job `{args.job_name}` of data product **{args.product_id}** failed "
            f"after {args.max_retries} retries. Its port tables were not refreshed: consumers read the data "
            f"of the last successful run.\n\nRunbook: read the failed task's logs "
            f"(`gcloud run jobs executions list --job {args.job_name} {where}`), fix the cause, then "
            f"rerun with `gcloud run jobs execute {args.job_name} {where}`.")


def job_env(project: str, location: str, internal_dataset: str, port_tables: Mapping[str, str],
            inputs: Mapping[str, str], declared: Mapping[str, str]) -> dict[str, str]:
    """The job's environment: where dbt finds its datasets, port tables and inputs, then the declared.

    ``port_tables`` maps a port table id (``<port>_v<major>``) to its ``project.dataset.table``;
    ``inputs`` maps an input port name to its address. Declared names may not use ``MESHPLANE_``.
    """
    env = {PROJECT_ENV: project, LOCATION_ENV: location, INTERNAL_DATASET_ENV: internal_dataset}
    env |= {port_env(table_id): address for table_id, address in port_tables.items()}
    env |= {input_env(port): address for port, address in inputs.items()}
    bad = sorted(k for k in env if not _ENV_NAME.match(k))
    if bad:
        raise ValueError(f"not environment variable names: {', '.join(bad)}; expected letters, digits, '_'")
    reserved = sorted(k for k in declared if k.upper().startswith(ENV_PREFIX))
    if reserved:
        raise ValueError(f"transformation.dbt.env: {', '.join(reserved)} use the reserved prefix "
                         f"{ENV_PREFIX!r}; meshplane sets those; rename them")
    return dict(sorted({**env, **declared}.items()))
