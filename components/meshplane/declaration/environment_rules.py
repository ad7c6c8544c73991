"""Rules of a declaration's environment overlays (``environments.<env>``): what they name must exist.

What an overlay may do in a given stack (read production, an upstream without a stack there) depends on
the platform settings and is checked with the stack (``governance/environment_checks.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from .model import DataProduct, EnvironmentOverlay
from .problems import Finding, Path
from .rulekit import Rule, parsed


def environment_rules(p: DataProduct) -> Iterator[Rule]:
    """One rule per overlay, as far as it parsed."""
    for env, extra in (parsed(p, "environments") or {}).items():
        yield partial(_overlay, p, extra, ("environments", env))


def _overlay(p: DataProduct, extra: EnvironmentOverlay, at: Path) -> Iterator[Finding]:
    outputs = sorted({port.name for port in p.output_ports})
    inputs = {port.name: port for port in p.input_ports}
    for key in ("consumers", "slos"):
        for name in getattr(extra, key):
            if name not in outputs:
                yield Finding(at + (key, name), f"no such output port; given {name!r}; expected one of "
                              f"{', '.join(outputs)}")
    for name, consumers in extra.consumers.items():
        for j, consumer in enumerate(consumers):
            if consumer.principal is None or consumer.data_product is not None or not consumer.purpose:
                yield Finding(at + ("consumers", name, j), "an environment's consumer is a principal with a "
                              f"purpose; given {consumer.data_product or consumer.principal or 'neither'!r}; expected "
                              "principal and purpose (consuming data products are declared once, on the port)")
    if extra.schedule is not None and p.transformation is None:
        yield Finding(at + ("schedule",), "a schedule without a transformation; given schedule; expected "
                      "transformation.dbt, or no schedule")
    for name, override in extra.input_ports.items():
        given = [k for k, v in (("fromEnvironment", override.from_environment),
                                ("bigqueryTable", override.bigquery_table), ("gcsPrefix", override.gcs_prefix)) if v]
        if name not in inputs:
            yield Finding(at + ("inputPorts", name), f"no such input port; given {name!r}; expected one of "
                          f"{', '.join(sorted(inputs)) or 'none (the product declares no input port)'}")
        elif len(given) != 1:
            yield Finding(at + ("inputPorts", name), "an input port reads one source per environment; given "
                          f"{', '.join(given) or 'none'}; expected one of fromEnvironment, bigqueryTable, gcsPrefix")
