"""A port's ``serving`` in an ODCS contract, both ways.

Export: a latest port says what one row of its view stands for in ``schema[0].dataGranularityDescription``,
names its mode in ``schema[0].customProperties[serving]``, and a latestPerKey port marks its key columns
``primaryKey: true`` with their ``primaryKeyPosition`` (ODCS's own fields: the view has one row per key).
A history port writes none of these. Import reads the mode from the custom property and the key from
the primary-key properties, in position order; the granularity text is derived, so a contract whose
text differs has it reported as not kept, like every field the export does not reproduce. A latest
mode without a property whose role is processingTime is refused, located at the mode (its view
chooses rows by the newest processing time, as the declaration rules require).
"""

from __future__ import annotations

from ..declaration.model import OutputPort
from ..declaration.types import ColumnRole, ServingMode
from .ids import custom

HINT = "serving"


def granularity(port: OutputPort) -> dict:
    """``dataGranularityDescription`` of a latest port's schema object; nothing for history."""
    mode = port.serving.mode
    if mode is ServingMode.HISTORY:
        return {}
    processing = next(c.name for c in port.columns if c.role is ColumnRole.PROCESSING_TIME)
    if mode is ServingMode.LATEST_SNAPSHOT:
        return {"dataGranularityDescription": f"The latest snapshot: the rows of the newest {processing}."}
    return {"dataGranularityDescription": f"The latest row per {', '.join(port.serving.key)}: the one "
                                          f"with the newest {processing}."}


def serving_hint(port: OutputPort) -> list[dict]:
    """``customProperties[serving]`` of the schema object: the mode of a latest port."""
    return [] if port.serving.mode is ServingMode.HISTORY else [custom(HINT, port.serving.mode.value)]


def primary_key(name: str, port: OutputPort) -> dict:
    """``primaryKey`` and ``primaryKeyPosition`` of column ``name`` when it is in a latestPerKey key."""
    key = port.serving.key if port.serving.mode is ServingMode.LATEST_PER_KEY else []
    return {"primaryKey": True, "primaryKeyPosition": key.index(name) + 1} if name in key else {}


def read_serving(hints: dict[str, tuple[int, object]], props: list) -> tuple[dict, dict[tuple, tuple]]:
    """The port's ``serving`` from the schema object's custom properties (``hints``: name → (index,
    value)) and its ``props``, and where each part came from (port path → contract path)."""
    if HINT not in hints:
        return {}, {}
    index, mode = hints[HINT]
    at = ("schema", 0, "customProperties", index)
    origins = {("serving",): at, ("serving", "mode"): at + ("value",)}
    serving: dict = {"mode": mode}
    keyed = sorted((p.get("primaryKeyPosition") if isinstance(p.get("primaryKeyPosition"), int) else 0, i)
                   for i, p in enumerate(props) if isinstance(p, dict) and p.get("primaryKey") is True)
    if mode == ServingMode.LATEST_PER_KEY.value and keyed:
        serving["key"] = [props[i].get("name") for _, i in keyed]
        origins |= {("serving", "key", j): ("schema", 0, "properties", i, "primaryKey")
                    for j, (_, i) in enumerate(keyed)}
    return {"serving": serving}, origins


def unserved(serving: dict, processing: str | None) -> str | None:
    """Why an imported ``serving`` cannot be served: a latest mode without a processingTime column."""
    mode = serving.get("serving", {}).get("mode")
    if processing is not None or mode not in (ServingMode.LATEST_SNAPSHOT.value, ServingMode.LATEST_PER_KEY.value):
        return None
    return (f"a {mode} port chooses its rows by the newest processing time; given no property with "
            "customProperties[role] processingTime; expected one TIMESTAMP property with that role, "
            "or no customProperties[serving] (history)")
