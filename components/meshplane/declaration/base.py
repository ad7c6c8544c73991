"""The base of every declaration model (its own module, so parts of the model can live apart)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Strict(BaseModel):
    """Base of every declaration model: camelCase keys, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              use_enum_values=False, validate_default=False)
