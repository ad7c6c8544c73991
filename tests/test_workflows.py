"""The GitHub workflows are safe to run on pull requests, and the review's gate does what it says.

zizmor (offline audits) and actionlint (with shellcheck on every ``run:`` script) must report
nothing on ``.github/workflows/``; both are pinned in the ``dev`` extra, so CI runs them. Beside
them, plain checks pin what the audits could stop asking for, and the gate and the stack discovery
scripts are run with bash as the runner would. What this cannot prove: that GitHub accepts the
pinned commits (they were read off the actions' own repositories) or that the comment is posted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
PREVIEW = ROOT / ".github" / "workflows" / "preview.yml"
LIVE = ROOT / ".github" / "workflows" / "live.yml"
PINNED_USES = re.compile(r"^\s*-?\s*uses: [\w.-]+/[\w./-]+@[0-9a-f]{40}  # v\d+\.\d+\.\d+\b")


def tool(name: str) -> str:
    """The executable ``name`` of the dev extra: beside this Python (a venv's bin/), else on PATH.

    Missing in CI (``CI`` set) is a failure; elsewhere the test skips and says how to install it.
    """
    beside = Path(sys.executable).parent / name
    found = str(beside) if os.access(beside, os.X_OK) else shutil.which(name)
    if found is None:
        message = f"{name} is not installed; pip install -e '.[dev]' installs the pinned version"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return found


def zizmor(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("zizmor"), "--offline", "--no-progress", *map(str, files)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), *map(str, files)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_there_are_workflows_to_check():
    assert PREVIEW in WORKFLOWS and LIVE in WORKFLOWS


@pytest.mark.parametrize("audit", [zizmor, actionlint])
def test_workflows_have_no_findings(audit):
    done = audit(*WORKFLOWS)
    assert done.returncode == 0, f"{audit.__name__} found problems:\n{done.stdout}\n{done.stderr}"


UNSAFE = """\
on: pull_request
permissions: {}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}" $UNQUOTED
"""


@pytest.mark.parametrize("audit, finding", [
    (zizmor, "template-injection"), (zizmor, "unpinned-uses"), (zizmor, "artipacked"),
    (actionlint, 'runtime "node20" is deprecated'), (actionlint, "SC2086"),
])
def test_fails_on_an_unsafe_workflow(tmp_path, audit, finding):
    """The same call that passes the real workflows reports each kind of problem it is there for."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(UNSAFE, encoding="utf-8")
    done = audit(bad)
    assert done.returncode != 0 and finding in done.stdout + done.stderr, done.stdout + done.stderr


def documents() -> list[tuple[Path, dict]]:
    return [(path, yaml.safe_load(path.read_text(encoding="utf-8"))) for path in WORKFLOWS]


def steps():
    for path, doc in documents():
        for job_id, job in doc["jobs"].items():
            for step in job.get("steps", []):
                yield path.name, job_id, step


def test_every_action_is_pinned_to_a_commit_with_its_version():
    lines = [line for path in WORKFLOWS for line in path.read_text(encoding="utf-8").splitlines()
             if re.match(r"^\s*-?\s*uses:", line) and "uses: ./" not in line]
    assert lines and [line for line in lines if not PINNED_USES.match(line)] == []


def test_no_expression_reaches_a_shell():
    """``${{ }}`` is expanded before bash parses the script: values go through ``env:``."""
    assert [(f, j, s["run"]) for f, j, s in steps() if "run" in s and "${{" in s["run"]] == []


def test_checkout_keeps_no_credentials():
    checkouts = [s for _, _, s in steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)


def test_permissions_are_granted_per_job_and_narrow():
    allowed = {"contents": "read", "pull-requests": "write", "id-token": "write"}
    for path, doc in documents():
        assert doc["permissions"] == {}, path.name
        for job_id, job in doc["jobs"].items():
            granted = job["permissions"]
            assert all(allowed.get(scope) == level for scope, level in granted.items()), (path.name, job_id)
            federated = any(s.get("uses", "").startswith("google-github-actions/auth@")
                            and "workload_identity_provider" in s.get("with", {}) for s in job.get("steps", []))
            assert ("id-token" in granted) == federated, (path.name, job_id)
            comments = any("sticky-pull-request-comment" in s.get("uses", "")
                           or s.get("with", {}).get("comment-on-pr") for s in job.get("steps", []))
            assert ("pull-requests" in granted) == comments, (path.name, job_id)


def test_no_trigger_runs_untrusted_code_with_the_base_repository_token():
    for path, doc in documents():
        triggers = doc[True] if True in doc else doc["on"]  # PyYAML reads the key `on` as True
        assert not {"pull_request_target", "workflow_run"} & set(triggers), path.name


def test_setting_the_label_starts_a_new_run():
    """A re-run reuses the event of its run, labels included: only a `labeled` event sees a new one."""
    doc = yaml.safe_load(PREVIEW.read_text(encoding="utf-8"))
    assert {"labeled", "unlabeled"} <= set(doc[True]["pull_request"]["types"])


def script(job: str, name: str, workflow: Path = PREVIEW) -> str:
    doc = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return next(s["run"] for s in doc["jobs"][job]["steps"] if s.get("name", "").startswith(name))


def bash(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """The script as the runner runs a ``run:`` step (``bash --noprofile --norc -eo pipefail``)."""
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", code], cwd=cwd,
                          env={"PATH": os.environ["PATH"], "HOME": str(cwd), **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("plan, diff, label, passes, says", [
    ("0", "0", "false", True, "no change loses data"),
    ("0", "3", "false", False, "approves it with the label approve-data-loss"),
    ("0", "3", "true", True, "approved by the label approve-data-loss"),
    ("0", "4", "false", False, "new major version of the port (no label approves this)"),
    ("0", "4", "true", False, "no label approves this"),
    ("1", "0", "false", False, "mandatory policy"),
    ("1", "3", "true", False, "meshplane plan exited 1"),
    ("0", "2", "false", False, "the diff was not made"),
    ("0", "", "false", False, "the diff was not made"),
])
def test_gate(tmp_path, plan, diff, label, passes, says):
    done = bash(script("review", "Gate"), tmp_path, PLAN_EXIT=plan, DIFF_EXIT=diff, DATA_LOSS_APPROVED=label,
                BASE_PLANNED="yes")
    assert (done.returncode == 0) == passes and says in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("planned, passes", [("yes", True), ("new-stack", True), ("failed", False)])
def test_gate_fails_when_the_base_could_not_be_planned(tmp_path, planned, passes):
    """An empty base would hide every breaking change and data loss: the diff would see only creates."""
    done = bash(script("review", "Gate"), tmp_path, PLAN_EXIT="0", DIFF_EXIT="0", DATA_LOSS_APPROVED="false",
                BASE_PLANNED=planned)
    assert (done.returncode == 0) == passes, done.stdout + done.stderr
    assert ("the base branch's stack could not be planned" in done.stdout) == (not passes)


def git_repo(path: Path, files: dict[str, str]) -> str:
    """Write ``files``, commit them in ``path``, return the commit."""
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    subprocess.run(["git", *ident, "add", "-A"], cwd=path, check=True)
    subprocess.run(["git", *ident, "commit", "-q", "-m", "c"], cwd=path, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, check=True, capture_output=True,
                          text=True).stdout.strip()


STACK_FILES = {"stacks/Pulumi.a-prod.yaml": "config:\n  meshplane:domain: a\n",
               "stacks/Pulumi.b-prod.yaml": "config:\n  meshplane:domain: b\n"}


@pytest.mark.parametrize("change, affected", [
    ({"blueprints/a/p.yaml": "x"}, '["a-prod","b-prod"]'),  # b's products may read from or grant to a's
    ({"stacks/Pulumi.b-prod.yaml": "config:\n  meshplane:domain: b\n# changed\n"}, '["b-prod"]'),
    ({"components/meshplane/x.py": "x"}, '["a-prod","b-prod"]'),
    ({"policies/__main__.py": "x"}, '["a-prod","b-prod"]'),  # the policy pack runs in every stack's preview
    ({"docs/x.md": "x"}, "[]"),
])
def test_affected_stacks(tmp_path, change, affected):
    base = git_repo(tmp_path, STACK_FILES)
    git_repo(tmp_path, change)
    out = tmp_path / "out"
    done = bash(script("stacks", "Stacks whose"), tmp_path, BASE_SHA=base, GITHUB_OUTPUT=str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == f"stacks={affected}\n"


def test_fails_on_a_stack_file_name_that_is_not_a_stack_name(tmp_path):
    """The name reaches the matrix and the comment header: only Pulumi's stack-name characters pass."""
    evil = 'stacks/Pulumi.x"$(touch pwned)`touch pwned`.yaml'
    base = git_repo(tmp_path, STACK_FILES)
    git_repo(tmp_path, {evil: "config:\n  meshplane:domain: a\n"})
    out = tmp_path / "out"
    done = bash(script("stacks", "Stacks whose"), tmp_path, BASE_SHA=base, GITHUB_OUTPUT=str(out))
    assert done.returncode == 1 and "::error::stack file name not allowed" in done.stdout, done.stdout
    assert not (tmp_path / "pwned").exists() and not out.exists()


@pytest.mark.parametrize("preflight, passes, says", [
    ("", True, "did not run"), ("0", True, "nothing blocks"), ("7", True, "::warning::meshplane preflight exited 7"),
    ("1", False, "pulumi up would fail"), ("8", False, "the credentials do not work"),
])
def test_gate_on_the_preflight(tmp_path, preflight, passes, says):
    done = bash(script("review", "Gate"), tmp_path, PLAN_EXIT="0", DIFF_EXIT="0", DATA_LOSS_APPROVED="false",
                BASE_PLANNED="yes", PREFLIGHT_EXIT=preflight)
    assert (done.returncode == 0) == passes and says in done.stdout, done.stdout + done.stderr


def test_the_preflight_runs_only_with_credentials():
    doc = yaml.safe_load(PREVIEW.read_text(encoding="utf-8"))
    [step] = [s for s in doc["jobs"]["review"]["steps"] if s.get("id") == "preflight"]
    assert step["if"] == "env.HAS_CREDENTIALS == 'true'" and "meshplane preflight" in step["run"]


def test_the_live_workflow_runs_up_preview_audit_and_the_smoke_call_in_order():
    doc = yaml.safe_load(LIVE.read_text(encoding="utf-8"))
    assert set(doc[True]) == {"workflow_dispatch", "schedule"}
    runs = "\n".join(s.get("run", "") for s in doc["jobs"]["sandbox"]["steps"])
    order = ["meshplane preflight", "pulumi up", "pulumi preview --stack \"$STACK\" --expect-no-changes",
             "meshplane audit", "bq query"]
    assert all(x in runs for x in order) and [runs.index(x) for x in order] == sorted(runs.index(x) for x in order)
    auths = [s for s in doc["jobs"]["sandbox"]["steps"] if s.get("uses", "").startswith("google-github-actions/auth@")]
    assert [a["with"]["service_account"] for a in auths] == ["${{ vars.GCP_DEPLOYER_SERVICE_ACCOUNT }}",
                                                           "${{ vars.GCP_GOVERNANCE_SERVICE_ACCOUNT }}"]
    assert all("credentials_json" not in a["with"] for a in auths)  # federation, no key


@pytest.mark.parametrize("routines, passes", [
    ("p-roj.ctl_dataset.erase_subject", True),
    ("p-roj.ctl.erase_subject p-roj.x`; DROP TABLE t; --.erase_subject", False),
])
def test_the_smoke_call_runs_only_control_port_routines(tmp_path, routines, passes):
    """The routine names come from the stack's outputs: anything but project.dataset.erase_subject stops."""
    (tmp_path / "bq").write_text("#!/bin/sh\necho \"bq $*\"\n")
    (tmp_path / "bq").chmod(0o755)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           script("sandbox", "Smoke test", LIVE)], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": f"{tmp_path}:{os.environ['PATH']}", "ROUTINES": routines, "GITHUB_RUN_ID": "1"},
                          timeout=60)
    assert (done.returncode == 0) == passes, done.stdout + done.stderr
    calls = [line for line in done.stdout.splitlines() if line.startswith("bq ")]
    if passes:
        assert calls == ["bq query --nouse_legacy_sql --format=none "
                         "CALL `p-roj.ctl_dataset.erase_subject`('meshplane-live-smoke-1-no-such-subject')"]
    else:  # every name is checked before the first call
        assert calls == [] and "::error::not a control port routine" in done.stdout


def _fake_tools(tmp_path: Path, audit_exit: int) -> dict[str, str]:
    """``pulumi`` and ``meshplane`` that log their arguments; the audit writes its report and exits as told."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "activate").write_text("")
    (bin_dir / "pulumi").write_text('#!/bin/sh\necho "pulumi $*" >> calls.log\n'
                                    'if [ "$1 $2" = "stack export" ]; then echo "{}" > state.json; fi\n')
    (bin_dir / "meshplane").write_text(f'#!/bin/sh\necho "meshplane $*" >> calls.log\necho "### report" > audit.md\n'
                                       f'exit {audit_exit}\n')
    for tool_file in bin_dir.iterdir():
        tool_file.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "STACK": "sandbox"}


@pytest.mark.parametrize("code, passes", [(0, True), (5, False), (6, False), (7, False), (2, False)])
def test_the_live_audit_runs_against_the_exported_state_and_fails_on_any_finding_code(tmp_path, code, passes):
    """docs/live.md: any non-zero audit exit fails the nightly run (7: checks left undone is not clean);
    the audit plans against the state just exported, so service agents carry the real project numbers."""
    done = bash(script("sandbox", "Audit the deployed stack", LIVE), tmp_path, **_fake_tools(tmp_path, code))
    assert (done.returncode == 0) == passes and (done.returncode == code), done.stdout + done.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls == ["pulumi stack export --stack sandbox --file state.json",
                     "meshplane audit --stack sandbox --state state.json --format markdown -o audit.md"]
    assert (tmp_path / "summary.md").read_text() == "### report\n"


def test_the_preflights_plan_against_the_deployed_state():
    live = script("sandbox", "Preflight, then pulumi up", LIVE)
    assert "pulumi stack export" in live and '"${state[@]}"' in live.split("meshplane preflight")[1].splitlines()[0]
    preview = yaml.safe_load(PREVIEW.read_text(encoding="utf-8"))
    [step] = [s for s in preview["jobs"]["review"]["steps"] if s.get("id") == "preflight"]
    assert "state=(--state state.json)" in step["run"] and '"${state[@]}"' in step["run"].split("meshplane preflight")[1]


def test_the_smoke_call_has_the_cloud_sdk_pinned():
    """``bq`` comes from google-github-actions/setup-gcloud pinned to a commit, set up before the smoke call."""
    steps = yaml.safe_load(LIVE.read_text(encoding="utf-8"))["jobs"]["sandbox"]["steps"]
    names = [s.get("uses", "").split("@")[0] or s.get("name", "") for s in steps]
    setup = names.index("google-github-actions/setup-gcloud")
    assert setup < next(i for i, n in enumerate(names) if n.startswith("Smoke test"))
    assert PINNED_USES.match(next(line for line in LIVE.read_text().splitlines() if "setup-gcloud@" in line))
