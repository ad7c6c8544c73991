"""Cross-field rules of one declaration: pure functions from a model to findings.

Paths are raw (camelCase keys and list indices); the loader turns them into lines and the user's
names. Output-port rules are in ``port_rules.py``; rules that need other products (consumption of
retired products) live in ``mesh/model.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from functools import partial

from .dbt_invocation import ENV_PREFIX, dangling
from .environment_rules import environment_rules
from .model import SOURCE_KINDS, DataProduct, Dbt, InputPort, OutputPort
from .port_rules import port_rules
from .problems import Finding, Path
from .s3 import GOOGLE_RE, landing_problem
from .rulekit import Rule, column_paths, duplicates, each, parsed, product_ref
from .serving import serving_rules
from .stewardship import stewardship_rules
from .types import Confidentiality, Encryption, major_of, parse_duration

ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_product(product: DataProduct) -> list[Finding]:
    """Every cross-field finding of one valid product, in document order."""
    return [finding for rule in _rules(product) for finding in rule()]


def check_parsed(product: DataProduct) -> list[Finding]:
    """The findings on what parsed of an invalid declaration (``partial.salvage``).

    A rule stops at the first field it needs that failed to parse (absent: ``AttributeError``), so
    what it found until then holds whatever that field becomes: no follow-on error of a field error.
    """
    findings: list[Finding] = []
    for rule in _rules(product):
        try:
            for finding in rule():
                findings.append(finding)
        except AttributeError:
            continue
    return findings


def _rules(p: DataProduct) -> Iterator[Rule]:
    """Every rule of the product as an independent unit, in document order."""
    yield partial(_identity, p)
    yield partial(_major, p)
    yield lambda: duplicates(p.input_ports, lambda port: port.name, ("inputPorts",), "input port")
    yield lambda: duplicates(p.output_ports, lambda port: (port.name, port.major), ("outputPorts",),
                             "output port", shown=lambda k: f"{k[0]} v{k[1]}")
    yield partial(_encryption, p)
    for i, port in each(p, "output_ports"):
        yield partial(_public_pii, p, port, ("outputPorts", i, "schema"))
    for i, port in each(p, "input_ports"):
        yield partial(_input_port, port, ("inputPorts", i), p)
    for i, port in each(p, "output_ports"):
        yield from port_rules(port, ("outputPorts", i), p)
    transformation = parsed(p, "transformation")
    if transformation is not None:
        at = ("transformation", "dbt")
        for rule in (_image, _env, _command, _timing):
            yield lambda rule=rule: rule(transformation.dbt, at)
    yield from stewardship_rules(p)
    yield from serving_rules(p)
    yield from environment_rules(p)


def _identity(p: DataProduct) -> Iterator[Finding]:
    expected = f"{p.domain}.{p.name}"
    if p.id != expected:
        yield Finding(("id",), f"id must be '<domain>.<name>'; given {p.id!r}; expected {expected!r}")


def _major(p: DataProduct) -> Iterator[Finding]:
    majors = [port.major for port in p.output_ports]
    if majors and major_of(p.version) < max(majors):
        yield Finding(("version",), f"a port's major version is ahead of the product's; given "
                      f"{p.version!r}; expected a product major of at least {max(majors)}")


def _encryption(p: DataProduct) -> Iterator[Finding]:
    pol = p.policies
    if pol.confidentiality == Confidentiality.RESTRICTED and pol.encryption != Encryption.CMEK:
        yield Finding(("policies", "encryption"), "a restricted product must use customer-managed "
                      f"keys; given {pol.encryption.value!r}; expected 'cmek'")


def _public_pii(p: DataProduct, port: OutputPort, schema: Path) -> Iterator[Finding]:
    if p.policies.confidentiality != Confidentiality.PUBLIC:
        return
    for path, col in column_paths(port.columns, schema):
        if col.pii:
            yield Finding(path + ("pii",), "PII is not allowed in a public product; given "
                          "pii: true; expected a product confidentiality of internal or higher")


def _input_port(port: InputPort, at: Path, product: DataProduct) -> Iterator[Finding]:
    sources = [k for k in SOURCE_KINDS if getattr(port, k) is not None]
    names = "dataProduct, bigqueryTable, gcsPrefix, pubsubTopic or s3"
    if len(sources) != 1:
        given = ", ".join(_camel(s) for s in sources) or "none"
        yield Finding(at, f"an input port has exactly one source; given {given}; expected one of {names}")
        return
    if port.s3 is not None:
        yield from _s3_port(port, at, product)
    if port.data_product is not None:
        yield from product_ref(port.data_product, at + ("dataProduct",))
        if port.data_product == product.id:
            yield Finding(at + ("dataProduct",), f"a product cannot read its own port; given "
                          f"{port.data_product!r}; expected another data product")
        for key, value in (("outputPort", port.output_port), ("version", port.version)):
            if value is None:
                yield Finding(at, f"an upstream port needs {key}; given none; expected "
                              f"{'the port name' if key == 'outputPort' else 'its major version'}")
    else:
        for key, value in (("outputPort", port.output_port), ("version", port.version)):
            if value is not None:
                yield Finding(at + (key,), f"only an upstream data product has {key}; given "
                              f"{value!r}; expected no {key} with an operational source")


def _s3_port(port: InputPort, at: Path, product: DataProduct) -> Iterator[Finding]:
    """The landing bucket's name and retention: what Cloud Storage would refuse at up, or delete at once."""
    if GOOGLE_RE.search(port.name):
        yield Finding(at + ("name",), f"an S3 port's name is part of its landing bucket's name, and Cloud Storage "
                      f"refuses bucket names containing 'google' or a near misspelling; given {port.name!r}; "
                      "expected a name without it")
    if problem := landing_problem(product.policies.retention, port.s3.landing_retention):
        own, message = problem
        yield Finding(at + ("s3", "landingRetention") if own else at + ("s3",), message)


def _image(dbt: Dbt, at: Path) -> Iterator[Finding]:
    if not dbt.image.strip() or any(ch.isspace() for ch in dbt.image):
        yield Finding(at + ("image",), f"not a container image; given {dbt.image!r}; expected "
                      "REGISTRY/PATH[:TAG][@sha256:DIGEST]")


def _env(dbt: Dbt, at: Path) -> Iterator[Finding]:
    for key in dbt.env:
        if not ENV_NAME_RE.match(key):
            yield Finding(at + ("env", key), f"not an environment variable name; given {key!r}; "
                          "expected letters, digits and underscores")
        elif key.upper().startswith(ENV_PREFIX):
            yield Finding(at + ("env", key), f"{ENV_PREFIX} variables are set by meshplane; given {key!r}; "
                          "expected another name")



def _command(dbt: Dbt, at: Path) -> Iterator[Finding]:
    for flag in dangling(dbt.command):
        yield Finding(at + ("command",), f"dbt's {flag} needs a value, or dbt refuses to run; given "
                      f"{' '.join(dbt.command)!r}; expected {flag} NAME")


def _timing(dbt: Dbt, at: Path) -> Iterator[Finding]:
    timeout = parse_duration(dbt.timeout)
    if timeout.total_seconds() > 168 * 3600:
        yield Finding(at + ("timeout",), f"Cloud Run jobs time out after at most 7 days; given "
                      f"{dbt.timeout!r}; expected at most P7D")
    from .schedule import shortest_interval  # imports croniter: only once a schedule is checked

    interval = shortest_interval(dbt.schedule.cron, dbt.schedule.time_zone)
    if interval < timeout:
        yield Finding(at + ("schedule", "cron"), "runs could overlap: the scheduler does not wait "
                      f"for a run to finish; given runs {_human(interval)} apart and a timeout of "
                      f"{dbt.timeout}; expected an interval of at least the timeout")


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.title() for w in rest)


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes} minutes"
