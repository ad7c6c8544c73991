"""Synthetic meshes for the benchmark, written as real declaration files and stack configs.

Product ``i`` of a mesh of N lives in domain ``domains[i % len(domains)]`` and has

* 2 output ports (``events`` and ``summary``), each with SLOs and 3 consumers: the products that
  read it (input ports below) and groups of the organisation, always 3 in all;
* 2 input ports: ``events`` of product ``i - 1`` and ``summary`` of product ``i - 2`` (the first
  products read operational BigQuery tables of their domain instead), so the mesh is a valid DAG
  in which every upstream port lists its consumer;
* CMEK encryption (confidentiality ``confidential``: governance requires it) and a dbt job.

Everything is valid under the declaration, mesh, governance and platform rules of the stack config
written next to it, so the plan builds every product of the stack's domain.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ORG = "daff.example"
KMS = "projects/bench-security/locations/{loc}/keyRings/data-mesh/cryptoKeys/bigquery"
PORTS = ("events", "summary")
CONSUMERS_PER_PORT = 3


def product_name(i: int) -> str:
    return f"product-{i:04d}"


def domain_of(i: int, domains: list[str]) -> str:
    return domains[i % len(domains)]


def product_id(i: int, domains: list[str]) -> str:
    return f"{domain_of(i, domains)}.{product_name(i)}"


def _columns(port: str) -> list[dict]:
    return [
        {"name": "entity_id", "type": "STRING", "required": True, "description": "Entity identifier."},
        {"name": "country", "type": "STRING", "description": "ISO 3166-1 alpha-2 country code."},
        {"name": "amount", "type": "NUMERIC", "description": f"Amount of the {port}."},
        {"name": "contact_email", "type": "STRING", "pii": True, "description": "Masked for consumers."},
        {"name": "attributes", "type": "RECORD", "fields": [
            {"name": "channel", "type": "STRING"}, {"name": "score", "type": "FLOAT64"}]},
        {"name": "tags", "type": "STRING", "repeated": True},
        {"name": "actual_date", "type": "DATE", "role": "actualTime"},
        {"name": "processing_time", "type": "TIMESTAMP", "required": True, "role": "processingTime"},
    ]


def _readers(i: int, port: int, n: int) -> list[int]:
    """The products reading port ``port`` of product ``i``: i + 1 reads events, i + 2 summary."""
    reader = i + 1 + port
    return [reader] if reader < n else []


def _output_port(i: int, port: int, n: int, domains: list[str]) -> dict:
    name = PORTS[port]
    consumers = [{"dataProduct": product_id(r, domains), "purpose": "Reads it in its dbt job."}
                 for r in _readers(i, port, n)]
    k = 0
    while len(consumers) < CONSUMERS_PER_PORT:
        consumers.append({"principal": f"group:{domain_of(i, domains)}-analysts-{k}@{ORG}",
                          "purpose": "Reporting."})
        k += 1
    return {
        "name": name, "version": "1.0.0",
        "description": f"One row per entity and day: the {name} of {product_name(i)}.",
        "schema": _columns(name), "subjectKey": "entity_id", "clustering": ["entity_id", "country"],
        "slos": {"freshness": "PT26H", "completeness": 0.99}, "consumers": consumers,
    }


def _input_port(i: int, port: int, domains: list[str]) -> dict:
    upstream = i - 1 - port
    if upstream < 0:
        domain = domain_of(i, domains)
        return {"name": f"raw_{PORTS[port]}", "description": "An operational table.",
                "bigqueryTable": f"bench-{domain}-ops.raw.{PORTS[port]}"}
    return {"name": f"{PORTS[port]}_{upstream:04d}", "description": "An upstream product's port.",
            "dataProduct": product_id(upstream, domains), "outputPort": PORTS[port], "version": 1}


def declaration(i: int, n: int, domains: list[str]) -> dict:
    """The declaration of product ``i`` of a mesh of ``n`` products."""
    domain, name = domain_of(i, domains), product_name(i)
    return {
        "apiVersion": "meshplane/v1alpha1", "kind": "DataProduct", "id": f"{domain}.{name}",
        "domain": domain, "name": name, "displayName": f"Product {i}", "version": "1.0.0",
        "type": "aggregate", "status": "active",
        "description": {"purpose": f"Synthetic benchmark product {i}.", "usage": "Join on entity_id."},
        "team": {"name": f"{domain} data", "owner": f"group:{domain}-owners@{ORG}",
                 "developers": [f"group:{domain}-devs@{ORG}"]},
        "tags": ["bench"],
        "links": {"runbook": f"https://wiki.{ORG}/{domain}/{name}"},
        "policies": {"location": "EU", "confidentiality": "confidential", "retention": "P3Y",
                     "encryption": "cmek"},
        "inputPorts": [_input_port(i, p, domains) for p in range(2)],
        "outputPorts": [_output_port(i, p, n, domains) for p in range(2)],
        "transformation": {"dbt": {
            "image": f"europe-docker.pkg.dev/bench-platform/dbt/{name}@sha256:{'ab' * 32}",
            "schedule": {"cron": "0 2 * * *", "timeZone": "Europe/Amsterdam"},
            "timeout": "PT1H", "maxRetries": 2}},
    }


def platform(domains: list[str]) -> dict:
    return {
        "organizationId": "123456789012", "billingAccount": "01A2B3-C4D5E6-F7A8B9",
        "projectPrefix": "bench",
        "folders": {d: f"folders/{100000000000 + k}" for k, d in enumerate(domains)},
        "kmsKeys": {"EU": KMS.format(loc="europe")}, "jobRegions": {"EU": "europe-west1"},
        "notificationChannels": ["projects/bench-platform/notificationChannels/4711"],
        "maxTimeTravelHours": 168, "governancePrincipal": f"group:data-governance@{ORG}",
        "policyTags": {"EU": {level: {
            "policyTag": f"projects/bench-governance/locations/eu/taxonomies/1/policyTags/{k}",
            "dataPolicy": f"projects/bench-governance/locations/eu/dataPolicies/{level}_sha256"}
            for k, level in enumerate(["confidential", "restricted"])}},
        "governance": {
            "allowedLocations": ["EU"], "allowedPrincipalDomains": [ORG], "maxRetention": "P10Y",
            "cmekRequiredFor": ["confidential", "restricted"],
            "operationalProjects": {d: [f"bench-{d}-ops"] for d in domains}},
    }


def write_mesh(root: str | Path, n: int, domains: list[str]) -> list[Path]:
    """Write ``n`` declarations under ``root/products/<domain>/``; their paths."""
    root = Path(root)
    paths = []
    for i in range(n):
        path = root / "products" / domain_of(i, domains) / f"{product_name(i)}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "# yaml-language-server: $schema=../../schemas/data-product.schema.json\n"
        path.write_text(text + yaml.safe_dump(declaration(i, n, domains), sort_keys=False, width=100))
        paths.append(path)
    return paths


def write_repo(root: str | Path, n: int, domains: list[str], *, stack_domain: str | None = None) -> str:
    """A repository with ``n`` products, Pulumi.yaml and one prod stack; the stack's name."""
    root = Path(root)
    write_mesh(root, n, domains)
    (root / "Pulumi.yaml").write_text("name: data-mesh\nruntime: python\nmain: stacks/\n")
    domain = stack_domain or domains[0]
    stack = f"{domain}-prod"
    config = {"config": {
        "meshplane:environment": "prod", "meshplane:domain": domain,
        "meshplane:products": ["products/*/*.yaml"], "meshplane:platform": platform(domains)}}
    (root / "stacks").mkdir(exist_ok=True)
    (root / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return stack
