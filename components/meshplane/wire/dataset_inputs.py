"""The provider's ``BigQueryDataset`` inputs as one wire model, checked as BigQuery and meshplane would:
every problem at once (``inputs_details``), so a program learns all of them from one ``pulumi up``.

* ``datasetId``: BigQuery's form, letters, digits and ``_``, at most 1024 characters.
* ``maxTimeTravelHours``: BigQuery's window, 48 to 168 hours.
* ``labels``: GCP's rules (at most 64; keys a lowercase letter then ``[a-z0-9_-]``, values
  ``[a-z0-9_-]``, each at most 63 characters). ``purge: "true"`` lifts the dataset's protection and
  deletes its tables with it: refused unless ``environment`` names a non-production environment
  (dev, test, sandbox), as ``DataProduct`` refuses a purge in production.
* ``kmsKeyName``: a Cloud KMS key's resource name; principals: the declaration's ``Principal``.

``project`` and ``creator`` may be other resources' outputs (unknown in a preview): not checked here.
"""

from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, ValidationError
from pydantic.alias_generators import to_camel

from ..declaration.types import Location, Principal, Slug
from ..product.standards import PURGE_LABEL
from ..settings.stack_config import NON_PRODUCTION
from .convert import detail, integral, joined

LabelKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]
LabelValue = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{0,63}$")]
KMS_KEY = r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$"


class DatasetInputs(BaseModel):
    """What ``BigQueryDataset`` takes besides ``project`` and ``creator``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    dataset_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,1024}$")]
    location: Location
    labels: Annotated[dict[LabelKey, LabelValue], Field(max_length=64)]
    description: Optional[str] = None
    kms_key_name: Optional[Annotated[str, StringConstraints(pattern=KMS_KEY)]] = None
    max_time_travel_hours: Optional[Annotated[StrictInt, Field(ge=48, le=168)]] = None
    environment: Optional[Slug] = None
    readers: list[Principal] = []
    writers: list[Principal] = []
    metadata_viewers: list[Principal] = []


def purge_details(labels: object, environment: object) -> list[dict[str, str]]:
    """The purge label without a non-production environment: refused (it deletes the data)."""
    if not (isinstance(labels, dict) and labels.get(PURGE_LABEL) == "true") or environment in NON_PRODUCTION:
        return []
    return [detail(f"labels.{PURGE_LABEL}", f"{PURGE_LABEL}: \"true\" lifts the dataset's protection and deletes "
                   f"its tables with it; refused without a non-production environment; given environment "
                   f"{environment!r}; expected environment one of {', '.join(sorted(NON_PRODUCTION))}, or no "
                   f"{PURGE_LABEL} label")]


def inputs_details(args: dict) -> tuple[Optional[DatasetInputs], list[dict[str, str]]]:
    """The checked inputs (``None`` when any is wrong) and every problem, each naming its input."""
    details = purge_details(args.get("labels"), args.get("environment"))
    try:
        inputs = DatasetInputs.model_validate(integral({k: v for k, v in args.items() if v is not None}))
    except ValidationError as exc:
        return None, [_detail(err) for err in exc.errors(include_url=False)] + details
    return (None if details else inputs), details


EXPECTED = {
    "datasetId": "not a BigQuery dataset id; expected letters, digits and '_', 1 to 1024 characters",
    "labels": "too many labels; expected at most 64",
    "label key": "not a GCP label key; expected a lowercase letter, then lowercase letters, digits, '_' or '-' "
                 "(at most 63 characters)",
    "label value": "not a GCP label value; expected lowercase letters, digits, '_' or '-' (at most 63 characters)",
    "kmsKeyName": "not a Cloud KMS key; expected projects/P/locations/L/keyRings/R/cryptoKeys/K",
    "maxTimeTravelHours": "not a time travel window; expected a whole number of hours from 48 to 168",
    "environment": "not an environment; expected a slug such as dev, test or prod",
}


def _detail(err: dict) -> dict[str, str]:
    """One pydantic error as a property error: the input's camelCase path, what is wrong, what was given."""
    loc = [to_camel(p) if isinstance(p, str) and i == 0 else p for i, p in enumerate(err["loc"]) if p != "[key]"]
    given = err.get("input")
    if err["type"] == "value_error":  # the declaration's own checks say what they expected
        return detail(joined("", loc), err["msg"].removeprefix("Value error, "))
    what = loc[0] if loc[0] != "labels" or len(loc) == 1 else ("label key" if "[key]" in err["loc"] else "label value")
    wrong, _, expected = EXPECTED.get(what, f"{err['msg']}; ").partition("; ")
    shown = "a mapping" if isinstance(given, dict) else f"{given!r:.80}"
    return detail(joined("", loc), f"{wrong}; given {shown}" + (f"; {expected}" if expected else ""))
