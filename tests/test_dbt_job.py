"""The dbt job component: the exact inputs of the job, its image grant, schedule and alert; job regions; env.

What mocks cannot prove: that the image exists (the existence model checks the Cloud Run agent's grant
and its order, ``test_gcp_model.py``); that the deployer may act as the runner and the invoker (iam.serviceAccounts.actAs); that Cloud Run and Cloud
Scheduler are offered in the job region; that the invoker's token reaches ``:run`` before IAM has
propagated (the retries are meant for that); that the metric filter matches real time series or the
channels belong to the alert's project; that dbt reads the environment as intended.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
import pulumiverse_time as time
import pytest

from components_support import LABELS, PID, PROJECT_IAM, model, named, of_type, run
from meshplane.gcp.alerting import alert_project
from meshplane.gcp.dbt_job import DbtJob, DbtJobArgs, job_env, job_name, timeout_seconds
from meshplane.product.job_region import JobRegionError, job_region

MODES = pytest.mark.parametrize("preview", [False, True])
RUN_JOB = "gcp:cloudrunv2/job:Job"
RUN_JOB_IAM = "gcp:cloudrunv2/jobIamMember:JobIamMember"
SCHEDULER_JOB = "gcp:cloudscheduler/job:Job"
ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
MONITORED_PROJECT = "gcp:monitoring/monitoredProject:MonitoredProject"
REGION, JOB = "europe-west1", "dbt-top-forty"
RUNNER = f"run-top-forty@{PID}.iam.gserviceaccount.com"
INVOKER = f"inv-top-forty@{PID}.iam.gserviceaccount.com"
IMAGE = "europe-docker.pkg.dev/daff-platform/dbt/top-forty@sha256:" + "a" * 64
ENV = {"DBT_THREADS": "4", "MESHPLANE_PROJECT": PID}
CHANNEL = f"projects/{PID}/notificationChannels/42"


RUN_AGENT = "serviceAccount:service-1234@serverless-robot-prod.iam.gserviceaccount.com"
IMAGE_GRANT = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
SLEEP = "time:index/sleep:Sleep"


def build(**overrides) -> DbtJob:
    """A DbtJob of product ``charts.top-forty`` whose identities (and their wait) and Run API exist in the
    same program; its image lives in another project (``daff-platform``)."""
    runner = gcp.serviceaccount.Account("runner", project=PID, account_id="run-top-forty")
    invoker = gcp.serviceaccount.Account("invoker", project=PID, account_id="inv-top-forty")
    ready = time.Sleep("ready", create_duration="60s", opts=pulumi.ResourceOptions(depends_on=[runner, invoker]))
    api = gcp.projects.Service("run-api", project=PID, service="run.googleapis.com")
    args = {"project": PID, "region": REGION, "product_id": "charts.top-forty", "job_name": JOB,
            "image": IMAGE, "command": ["dbt", "build", "--target", "prod"], "timeout": "PT1H",
            "max_retries": 2, "env": ENV, "runner_email": runner.email, "invoker": invoker, "ready": ready,
            "run_agent": RUN_AGENT, "cron": "0 2 * * 1", "time_zone": "Europe/Amsterdam",
            "labels": LABELS, "notification_channels": [CHANNEL], "depends_on": [api]}
    return DbtJob("dbt", DbtJobArgs(**{**args, **overrides}))


@MODES
def test_job_runs_the_declared_image_as_the_runner_in_the_job_region(preview):
    inv = run(build, preview)
    [job] = of_type(inv, RUN_JOB)
    assert job.inputs == {
        "project": PID, "location": REGION, "name": JOB, "labels": LABELS, "deletionProtection": False,
        "template": {"template": {
            "serviceAccount": RUNNER, "timeout": "3600s", "maxRetries": 2,
            "containers": [{"image": IMAGE, "commands": ["dbt"], "args": ["build", "--target", "prod"],
                            "envs": [{"name": "DBT_THREADS", "value": "4"},
                                     {"name": "MESHPLANE_PROJECT", "value": PID}],
                            "resources": {"limits": {"cpu": "1", "memory": "2Gi"}}}]}}}
    assert {named(inv, "ready").urn, named(inv, "run-api").urn} <= set(job.dependencies)
    component = named(inv, "dbt", "meshplane:index:DbtJob")
    assert component.type == "meshplane:index:DbtJob"
    assert sorted((r.type, r.name) for r in inv.registrations if r.parent == component.urn) == sorted([
        (RUN_JOB, "dbt"), (RUN_JOB_IAM, "dbt-invoker-run"), (IMAGE_GRANT, "dbt-image-read"),
        (SLEEP, "dbt-image-read-propagation"), (SCHEDULER_JOB, "dbt-schedule"), (ALERT, "dbt-failed")])


@MODES
def test_the_cloud_run_agent_reads_an_image_of_another_project_before_the_job(preview):
    inv = run(build, preview)
    grant, wait, job = named(inv, "dbt-image-read"), named(inv, "dbt-image-read-propagation"), named(inv, "dbt", RUN_JOB)
    assert grant.inputs == {"project": "daff-platform", "location": "europe", "repository": "dbt",
                            "role": "roles/artifactregistry.reader", "member": RUN_AGENT}
    assert grant.delete_before_replace and named(inv, "ready").urn in grant.dependencies
    assert grant.urn in wait.dependencies and wait.urn in job.dependencies


@pytest.mark.parametrize("image", [f"europe-docker.pkg.dev/{PID}/dbt/top-forty:1", "ghcr.io/daff/dbt:1",
                                   "docker.io/library/dbt:1"])
def test_no_image_grant_in_the_own_project_or_another_registry(image):
    inv = run(lambda: build(image=image))
    assert not of_type(inv, IMAGE_GRANT) and not of_type(inv, SLEEP)[1:]


@MODES
def test_invoker_holds_run_invoker_on_this_job_only(preview):
    inv = run(build, preview)
    [binding] = of_type(inv, RUN_JOB_IAM)
    assert binding.inputs == {"project": PID, "location": REGION, "name": JOB, "role": "roles/run.invoker",
                              "member": f"serviceAccount:{INVOKER}"}
    assert {named(inv, "dbt", RUN_JOB).urn, named(inv, "ready").urn} <= set(binding.dependencies)
    assert binding.delete_before_replace
    assert not of_type(inv, PROJECT_IAM)  # nothing project-wide


@MODES
def test_schedule_calls_the_run_api_with_an_oauth_token_as_the_invoker(preview):
    inv = run(build, preview)
    [schedule] = of_type(inv, SCHEDULER_JOB)
    assert schedule.inputs == {
        "project": PID, "region": REGION, "name": JOB, "schedule": "0 2 * * 1",
        "timeZone": "Europe/Amsterdam", "paused": False, "attemptDeadline": "180s",
        "description": "Starts the dbt job of charts.top-forty; does not wait for a run to finish.",
        "retryConfig": {"retryCount": 3, "minBackoffDuration": "60s", "maxBackoffDuration": "600s",
                        "maxDoublings": 3},
        "httpTarget": {
            "httpMethod": "POST",
            "uri": f"https://run.googleapis.com/v2/projects/{PID}/locations/{REGION}/jobs/{JOB}:run",
            "oauthToken": {"serviceAccountEmail": INVOKER,
                           "scope": "https://www.googleapis.com/auth/cloud-platform"}}}
    assert "oidcToken" not in schedule.inputs["httpTarget"]
    assert named(inv, "dbt-invoker-run").urn in schedule.dependencies  # the first tick finds the grant


@MODES
def test_dormant_pauses_the_schedule_and_keeps_the_job(preview):
    inv = run(lambda: build(paused=True), preview)
    [schedule] = of_type(inv, SCHEDULER_JOB)
    assert schedule.inputs["paused"] is True
    assert [j.inputs["name"] for j in of_type(inv, RUN_JOB)] == [JOB]
    assert len(of_type(inv, ALERT)) == 1


@MODES
def test_alert_policy_watches_failed_executions_of_this_job(preview):
    inv = run(lambda: build(runbook_url="https://runbooks.example/dbt"), preview)
    [alert] = of_type(inv, ALERT)
    [condition] = alert.inputs["conditions"]
    assert condition["conditionThreshold"]["filter"] == (
        'metric.type = "run.googleapis.com/job/completed_execution_count" AND '
        'metric.labels.result = "failed" AND resource.type = "cloud_run_job" AND '
        f'resource.labels.project_id = "{PID}" AND resource.labels.location = "{REGION}" AND '
        f'resource.labels.job_name = "{JOB}"')
    assert {k: condition["conditionThreshold"][k] for k in ("comparison", "thresholdValue", "duration")} == {
        "comparison": "COMPARISON_GT", "thresholdValue": 0, "duration": "0s"}
    assert (alert.inputs["project"], alert.inputs["combiner"]) == (PID, "OR")
    assert alert.inputs["notificationChannels"] == [CHANNEL]
    assert alert.inputs["userLabels"] == LABELS
    docs = alert.inputs["documentation"]
    assert "charts.top-forty" in docs["content"] and f"gcloud run jobs execute {JOB}" in docs["content"]
    assert docs["links"] == [{"displayName": "Runbook", "url": "https://runbooks.example/dbt"}]


def test_alert_without_channels_is_still_created_in_the_product_project():
    inv = run(lambda: build(notification_channels=[]))
    [alert] = of_type(inv, ALERT)
    assert alert.inputs["project"] == PID and alert.inputs.get("notificationChannels", []) == []
    assert not of_type(inv, MONITORED_PROJECT)


@MODES
def test_alert_lives_with_its_channels_and_their_metrics_scope_gets_the_product_project(preview):
    channel = "projects/daff-platform/notificationChannels/4711"
    inv = run(lambda: build(notification_channels=[channel]), preview)
    [alert], [scope] = of_type(inv, ALERT), of_type(inv, MONITORED_PROJECT)
    assert (alert.inputs["project"], alert.inputs["notificationChannels"]) == ("daff-platform", [channel])
    assert f'resource.labels.project_id = "{PID}"' in alert.inputs["conditions"][0]["conditionThreshold"]["filter"]
    assert scope.inputs == {"metricsScope": "daff-platform", "name": PID}
    wait = named(inv, "dbt-failed-propagation")  # the scope is eventually consistent (TPG #11102)
    assert scope.urn in wait.dependencies and wait.urn in alert.dependencies


@pytest.mark.parametrize("channels, message", [
    (["projects/daff-platform/notificationChannels/1", f"projects/{PID}/notificationChannels/2"],
     "several projects"),
    (["4711"], "not notification channels")])
def test_fails_notification_channels_one_alert_policy_cannot_use(channels, message):
    with pytest.raises(ValueError, match=message):
        alert_project(channels, PID)


def test_command_without_arguments_keeps_the_image_args():
    [job] = of_type(run(lambda: build(command=["/app/run.sh"])), RUN_JOB)
    [container] = job.inputs["template"]["template"]["containers"]
    assert container["commands"] == ["/app/run.sh"] and "args" not in container


def test_args_from_declaration():
    dbt = model("podcast.podcast-demographics").transformation.dbt
    args = DbtJobArgs.from_declaration(
        dbt, product="podcast-demographics", project=PID, region=REGION, product_id="podcast.podcast-demographics",
        env={}, runner_email=RUNNER, invoker=None, ready=None, run_agent=RUN_AGENT, labels=LABELS)
    assert args.job_name == "dbt-podcast-demographics"
    assert (args.image, args.command, args.timeout, args.max_retries) == (
        dbt.image, ["dbt", "build", "--target", "prod"], "PT1H", 2)
    assert (args.cron, args.time_zone, args.paused) == ("0 2 * * *", "Europe/Amsterdam", False)


@pytest.mark.parametrize("given, expected", [("PT1H", "3600s"), ("PT90M", "5400s"), ("PT45S", "45s"),
                                             ("P7D", "604800s")])
def test_timeout_seconds(given, expected):
    assert timeout_seconds(given) == expected


def test_job_name_is_lowercase_and_at_most_63_characters():
    assert job_name("top-forty") == "dbt-top-forty"
    long = job_name("a" * 40 + "-b" * 15)
    assert len(long) <= 63 and long == long.lower() and long.startswith("dbt-a")


@pytest.mark.parametrize("location, mapping, expected", [
    ("EU", {"EU": "europe-west1"}, "europe-west1"), ("US", {"US": "us-central1"}, "us-central1"),
    ("europe-west4", {"EU": "europe-west1"}, "europe-west4"), ("europe-west4", {"europe-west4": "europe-west4"},
                                                              "europe-west4")])
def test_job_region(location, mapping, expected):
    assert job_region(location, mapping) == expected


@pytest.mark.parametrize("location, mapping", [
    ("EU", {"EU": "us-central1"}), ("EU", {"EU": "europe-west2"}), ("US", {"US": "europe-west1"}),
    ("europe-west1", {"europe-west1": "europe-west4"})])
def test_fails_job_region_outside_location(location, mapping):
    with pytest.raises(JobRegionError, match=f"outside the data's location '{location}'"):
        job_region(location, mapping)


def test_fails_multi_region_without_job_region():
    with pytest.raises(JobRegionError, match=r"no job region for the multi-region 'EU'.*job_regions\.EU"):
        job_region("EU", {"US": "us-central1"})


def test_job_env_names():
    env = job_env(PID, "EU", "top_forty_internal",
                  {"chart_v1": f"{PID}.top_forty_internal.chart_v1", "chart_v2": f"{PID}.top_forty_internal.chart_v2"},
                  {"plays": "daff-prod-player-play-events.play_events_events_v1.events_v1",
                   "raw_feed": f"{PID}.top_forty_internal.raw_raw_feed"},
                  {"DBT_THREADS": "4"})
    assert env == {
        "DBT_THREADS": "4", "MESHPLANE_INPUT_PLAYS": "daff-prod-player-play-events.play_events_events_v1.events_v1",
        "MESHPLANE_INPUT_RAW_FEED": f"{PID}.top_forty_internal.raw_raw_feed",
        "MESHPLANE_INTERNAL_DATASET": "top_forty_internal", "MESHPLANE_LOCATION": "EU",
        "MESHPLANE_PORT_CHART_V1": f"{PID}.top_forty_internal.chart_v1",
        "MESHPLANE_PORT_CHART_V2": f"{PID}.top_forty_internal.chart_v2", "MESHPLANE_PROJECT": PID}
    assert list(env) == sorted(env)


@pytest.mark.parametrize("declared", [{"MESHPLANE_PROJECT": "other"}, {"meshplane_extra": "x"}])
def test_fails_job_env_declared_with_the_reserved_prefix(declared):
    with pytest.raises(ValueError, match="reserved prefix 'MESHPLANE_'"):
        job_env(PID, "EU", "d", {}, {}, declared)
