"""``meshplane order``, ``meshplane simulate`` and ``meshplane plan --state``, through the real command.

The round trip a platform team runs: simulate the first up (or export the real state), then plan a
change against that state; a change that must replace or delete protected data shows its runbook in
the plan, before any preview fails. What this cannot prove: a real ``pulumi stack export``'s every
field (the format's resources, inputs and outputs are what is read; see ``test_gcp_model.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from diff_support import DEMOGRAPHICS, MONDAY, copy_mesh, edit_declaration, output_port
from meshplane.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_order_of_the_prod_stacks_and_the_first_up_of_each():
    code, out, _ = invoke("order", "--env", "prod", "--check", "--stacks-dir", str(ROOT / "stacks"))
    assert code == 0, out
    lines = [line.strip() for line in out.splitlines()]
    assert lines[1:3] == ["1. charts-prod", "first up succeeds"]
    assert "6. listener-prod  (after playlist-prod, podcast-prod)" in lines
    assert "7. platform  (after charts-prod, playlist-prod, royalties-prod, player-prod, podcast-prod, listener-prod)" \
        in lines
    assert lines.count("first up succeeds") == 7


def test_order_refuses_an_environment_whose_consumers_have_no_stack(tmp_path):
    """A domain the platform lists for dev but with no dev stack: a grant to its runner could never succeed."""
    root = copy_mesh(tmp_path / "repo")
    config = root / "stacks" / "Pulumi.podcast-dev.yaml"
    config.write_text(config.read_text().replace("        domains: [podcast]", "        domains: [podcast, playlist]"))
    code, out, _ = invoke("order", "--env", "dev", "--stacks-dir", str(root / "stacks"))
    assert code == 1
    assert "Refused: podcast-dev would grant playlist.monday-playlists" in out and "its runner never exists" in out


def test_order_refuses_a_cycle_between_domain_stacks(tmp_path):
    """listener grants podcast's runner already; podcast granting a listener product closes the loop."""
    root = copy_mesh(tmp_path / "repo")
    edit_declaration(DEMOGRAPHICS, lambda d: output_port(d, "demographics")["consumers"].append(
        {"dataProduct": "listener.listener-demographics", "purpose": "Audience checks."}))(root)
    code, out, err = invoke("order", "--env", "prod", "--stacks-dir", str(root / "stacks"))
    assert code == 1, out + err
    assert "Refused: the stacks listener-prod -> podcast-prod -> listener-prod grant each other's runners" in out


def test_order_reports_declaration_problems_and_unknown_environments(tmp_path):
    code, _, err = invoke("order", "--env", "staging", "--stacks-dir", str(ROOT / "stacks"))
    assert code == 2 and "no stack of environment 'staging'" in err
    root = copy_mesh(tmp_path / "repo")
    (root / DEMOGRAPHICS).write_text((root / DEMOGRAPHICS).read_text().replace("type: aggregate", "tpye: aggregate"))
    code, _, err = invoke("order", "--stacks-dir", str(root / "stacks"))
    assert code == 1 and "podcast-demographics.yaml:" in err and "tpye" in err


def test_simulate_then_plan_against_the_state_changes_nothing(tmp_path):
    state = tmp_path / "state.json"
    code, out, _ = invoke("simulate", "--stack", "podcast-prod", "--stacks-dir", str(ROOT / "stacks"),
                          "--write-state", str(state))
    assert code == 0, out
    assert out.startswith("Simulated first pulumi up of podcast-prod (after playlist-prod): 159 created")
    document = json.loads(state.read_text())
    assert document["version"] == 3 and len(document["deployment"]["resources"]) == 159
    code, out, _ = invoke("simulate", "--stack", "podcast-prod", "--stacks-dir", str(ROOT / "stacks"),
                          "--state", str(state))
    assert code == 0 and "159 unchanged" in out
    code, out, _ = invoke("plan", "--stack", "podcast-prod", "--stacks-dir", str(ROOT / "stacks"),
                          "--state", str(state), "--format", "json")
    assert code == 0 and set(json.loads(out)["changeSummary"]) == {"same"}


def test_a_renamed_port_shows_its_runbook_in_the_plan(tmp_path):
    root, state = copy_mesh(tmp_path / "repo"), tmp_path / "state.json"
    assert invoke("simulate", "--stack", "podcast-prod", "--stacks-dir", str(root / "stacks"),
                  "--write-state", str(state))[0] == 0
    edit_declaration(DEMOGRAPHICS, lambda d: (output_port(d, "demographics").update(name="audience"),
                                              d["environments"]["dev"]["consumers"].update(
                                                  audience=d["environments"]["dev"]["consumers"].pop("demographics"))))(root)
    edit_declaration(MONDAY, lambda d: next(p for p in d["inputPorts"] if p["name"] == "podcast_demographics")
                     .update(outputPort="audience"))(root)
    code, out, err = invoke("plan", "--stack", "podcast-prod", "--stacks-dir", str(root / "stacks"),
                            "--state", str(state))
    assert code == 0, err
    assert "PROTECTED table podcast-demographics-storage-demographics_v1 would be deleted" in out
    assert "pulumi state unprotect 'urn:pulumi:podcast-prod::data-mesh::" in out
    assert "serve a renamed or changed port as a new major side by side" in out
    code, md, _ = invoke("plan", "--stack", "podcast-prod", "--stacks-dir", str(root / "stacks"),
                         "--state", str(state), "--format", "markdown")
    assert "**Protected table `podcast-demographics-storage-demographics_v1` would be deleted:**" in md


def test_a_state_file_that_is_not_one_is_a_usage_error(tmp_path):
    bad = tmp_path / "state.json"
    bad.write_text('{"steps": []}')
    code, _, err = invoke("plan", "--stack", "podcast-prod", "--stacks-dir", str(ROOT / "stacks"), "--state", str(bad))
    assert code == 2 and "not a stack state file" in err and "pulumi stack export" in err
    code, _, err = invoke("simulate", "--stack", "podcast-prod", "--state", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in err


def test_against_a_state_new_access_means_not_deployed_yet(tmp_path):
    root, state = copy_mesh(tmp_path / "repo"), tmp_path / "state.json"
    assert invoke("simulate", "--stack", "podcast-prod", "--stacks-dir", str(root / "stacks"),
                  "--write-state", str(state))[0] == 0
    edit_declaration(DEMOGRAPHICS, lambda d: output_port(d, "demographics")["consumers"].append(
        {"principal": "group:newsroom@daff.example", "purpose": "Daily listener figures."}))(root)
    code, out, _ = invoke("plan", "--stack", "podcast-prod", "--stacks-dir", str(root / "stacks"), "--state", str(state))
    assert code == 0
    new = sorted({line.split()[1] for line in out.splitlines() if line.startswith("  NEW  ")})
    assert new == ["group:newsroom@daff.example"]  # the one principal the change adds; the others are deployed
    assert "not in the deployed state this plan is compared to" in " ".join(out.split())
