"""The SQL of a port's interface view: the declared columns of the port table, PII masked.

Pure functions over the declared columns; the SQL is built as sqlglot expressions and rendered
for BigQuery, with every identifier backquoted. BigQuery compares identifiers case-insensitively,
so every alias the generator picks differs from every column and field name in any case: a column
`_Src` beside a table alias `_src` would otherwise name the whole raw row. A PII value is replaced by the lowercase hex
SHA-256 of its text (NULL stays NULL); a record that only contains PII is rebuilt field by field.

A latest port (``serving``) chooses its rows on the raw columns of the port table, which the
authorized view reads, and masks only what it outputs: a PII key still partitions by its value.
The latest snapshot compares the processing time with a scalar subquery over that one column,
never a window over the whole table (``MAX() OVER ()`` is one unpartitioned window and reads every
column); the latest row per key is ``QUALIFY ROW_NUMBER() ... = 1`` after ``WHERE TRUE``: BigQuery
takes a bare QUALIFY, but ZetaSQL's parser, where QUALIFY is not a reserved keyword, asks for a
WHERE, GROUP BY or HAVING beside it (google/zetasql#115, #124), and SQL analyzers built on it would
refuse the view.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from ..declaration.model import Column, Serving
from ..declaration.types import ORDERABLE_TYPES, BigQueryType, ColumnRole, ServingMode

BIGQUERY = "bigquery"  # the dialect every function is built in and the SQL is written in
# Types whose CAST to STRING fails or is lossy in BigQuery: hashed through their JSON text.
_JSON_HASHED = {BigQueryType.GEOGRAPHY, BigQueryType.JSON}


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _ref(path: list[str]) -> exp.Expression:
    """A reference to ``path[0].path[1]...``, every part backquoted."""
    if len(path) == 1:
        return exp.column(path[0], quoted=True)
    if len(path) == 2:
        return exp.column(path[1], table=path[0], quoted=True)
    return exp.Dot.build([exp.column(path[0], quoted=True), *map(_ident, path[1:])])


def _has_pii(column: Column) -> bool:
    return column.pii or any(_has_pii(f) for f in column.fields or [])


def _hash(value: exp.Expression, column: Column) -> exp.Expression:
    """``TO_HEX(SHA256(...))`` of the value's text; NULL in, NULL out."""
    if column.repeated or column.type is BigQueryType.RECORD or column.type in _JSON_HASHED:
        value = exp.func("TO_JSON_STRING", value, dialect=BIGQUERY)
    elif column.type not in (BigQueryType.STRING, BigQueryType.BYTES):
        value = exp.cast(value, exp.DataType.build("STRING", dialect=BIGQUERY))
    return exp.func("TO_HEX", exp.func("SHA256", value, dialect=BIGQUERY), dialect=BIGQUERY)


def _names(columns: list[Column]) -> set[str]:
    """Every column and field name, lowercased (identifiers are case-insensitive)."""
    return {n.lower() for c in columns for n in (c.name, *_names(c.fields or []))}


def _value(column: Column, path: list[str], taken: set[str], depth: int) -> exp.Expression:
    """The masked value of ``column`` found at ``path`` (not yet aliased)."""
    ref = _ref(path)
    if column.pii:
        return _hash(ref, column)
    if not _has_pii(column):
        return ref
    fields = column.fields or []
    if not column.repeated:
        struct = exp.Struct(expressions=[_field(f, [*path, f.name], taken, depth) for f in fields])
        # STRUCT(...) of a NULL record would be a record of NULLs: keep the NULL.
        return exp.If(this=exp.Is(this=ref.copy(), expression=exp.null()),
                      true=exp.null(), false=struct)
    elem, offset = _free(f"_e{depth}", taken), _free(f"_o{depth}", taken)
    inner = taken | {elem.lower(), offset.lower()}
    select = exp.Select(kind="STRUCT", expressions=[
        _field(f, [elem, f.name], inner, depth + 1) for f in fields])
    unnest = exp.Unnest(expressions=[ref], alias=exp.TableAlias(columns=[_ident(elem)]),
                        offset=_ident(offset))
    # WITH OFFSET ... ORDER BY keeps the element order, which ARRAY(subquery) does not promise.
    select = select.from_(unnest).order_by(exp.column(offset, quoted=True))
    return exp.Array(expressions=[select])


def _field(column: Column, path: list[str], taken: set[str], depth: int) -> exp.Expression:
    value = _value(column, path, taken, depth)
    if isinstance(value, exp.Column) and len(path) == 1:
        return value
    return exp.alias_(value, column.name, quoted=True)


def _free(name: str, taken: set[str]) -> str:
    """``name``, prefixed with '_' until no name in ``taken`` (lowercased) equals it in any case."""
    while name.lower() in taken:
        name = "_" + name
    return name


def interface_view_sql(project: str, dataset: str, table: str, columns: list[Column], *,
                       mask_pii: bool = True, serving: Serving | None = None) -> str:
    """BigQuery SQL selecting the declared top-level ``columns`` of ``project.dataset.table``.

    Columns come out in declared order under their own names. With ``mask_pii`` a PII column is
    replaced by ``TO_HEX(SHA256(...))`` of its text (STRING and BYTES as they are, other scalars
    through ``CAST(... AS STRING)``, records, arrays, JSON and GEOGRAPHY through
    ``TO_JSON_STRING``), and a non-PII record holding PII fields is rebuilt with those fields
    masked (``STRUCT(...)``, or ``ARRAY(SELECT AS STRUCT ... FROM UNNEST(...))`` when repeated).
    Without ``mask_pii`` (column-level security masks instead) every column is selected as is.
    With a latest ``serving`` only the latest rows are selected (``latest_rows``).
    """
    if not columns:
        raise ValueError("an interface view needs at least one column")
    taken = _names(columns)
    if mask_pii:
        exprs = [_field(c, [c.name], taken, 1) for c in columns]
    else:
        exprs = [exp.column(c.name, quoted=True) for c in columns]
    # An explicit alias no column uses, so `record`.`field` can never resolve to the table itself.
    alias = _free("_src", taken)
    # Built in place (copy=False): the expressions are fresh, so the builders need not copy them.
    select = exp.Select(expressions=exprs).from_(_table(project, dataset, table, alias), copy=False)
    if serving is not None and serving.mode is not ServingMode.HISTORY:
        select = latest_rows(select, (project, dataset, table), columns, serving, alias, taken,
                             masked=mask_pii)
    return select.sql(dialect=BIGQUERY, pretty=True)


def _table(project: str, dataset: str, table: str, alias: str) -> exp.Table:
    return exp.Table(this=_ident(table), db=_ident(dataset), catalog=_ident(project),
                     alias=exp.TableAlias(this=_ident(alias)))


def latest_rows(select: exp.Select, table: tuple[str, str, str], columns: list[Column], serving: Serving,
                alias: str, taken: set[str], *, masked: bool) -> exp.Select:
    """``select`` (reading ``table`` as ``alias``) narrowed to the latest rows ``serving`` names.

    latestSnapshot: ``WHERE alias.pt = (SELECT MAX(pt) FROM table)``. latestPerKey: ``WHERE TRUE
    QUALIFY ROW_NUMBER() OVER (PARTITION BY key ORDER BY pt DESC, <tie-break>) = 1``, where the
    tie-break is every other top-level orderable column in declared order, ascending, so that rows
    sharing a key and a processing time give the same answer every time; a column the view masks
    (``masked``) is left out, or which row wins would tell its raw order. References carry the table
    alias: a masked output column of the same name (a SELECT alias) is never what they mean.
    """
    processing = next((c.name for c in columns if c.role is ColumnRole.PROCESSING_TIME), None)
    if processing is None:
        raise ValueError("a latest view needs the port's processingTime column")
    if serving.mode is ServingMode.LATEST_SNAPSHOT:
        newest = _newest(table, processing, _free("_latest", taken))
        return select.where(exp.EQ(this=_raw(processing, alias), expression=newest), copy=False)
    skip = {*serving.key, processing}
    ties = [c.name for c in columns if c.name not in skip and not c.repeated and c.type in ORDERABLE_TYPES
            and not (masked and c.pii)]
    first = exp.EQ(this=_row_number(serving.key, [processing, *ties], alias), expression=exp.Literal.number(1))
    return select.where(exp.true(), copy=False).qualify(first, copy=False)


def _newest(table: tuple[str, str, str], processing: str, alias: str) -> exp.Subquery:
    """``(SELECT MAX(alias.processing) FROM table AS alias)``: reads that one column only."""
    select = exp.Select(expressions=[exp.func("MAX", _raw(processing, alias))])
    return exp.Subquery(this=select.from_(_table(*table, alias), copy=False))


def _row_number(key: list[str], order: list[str], alias: str) -> exp.Window:
    """``ROW_NUMBER() OVER (PARTITION BY key ORDER BY order[0] DESC, order[1:] ...)``, BigQuery's
    NULL order made explicit in the tree (DESC: NULLs last; ASC: NULLs first)."""
    ordered = [exp.Ordered(this=_raw(order[0], alias), desc=True, nulls_first=False)]
    ordered += [exp.Ordered(this=_raw(name, alias), nulls_first=True) for name in order[1:]]
    return exp.Window(this=exp.RowNumber(), partition_by=[_raw(k, alias) for k in key],
                      order=exp.Order(expressions=ordered))


def _raw(name: str, alias: str) -> exp.Column:
    """``alias``.``name``: the port table's own column, as stored."""
    return exp.column(name, table=alias, quoted=True)


def masked_columns(columns: list[Column]) -> list[str]:
    """Dotted paths of the columns and nested fields the view masks, in declared order.

    A masked record is listed once (its whole value is hashed), not its fields.
    """
    paths: list[str] = []
    for column in columns:
        if column.pii:
            paths.append(column.name)
        elif column.fields:
            paths += [f"{column.name}.{p}" for p in masked_columns(column.fields)]
    return paths


def view_columns(sql: str) -> list[str]:
    """The output column names of a generated view, in order, parsed with sqlglot (BigQuery)."""
    select = sqlglot.parse_one(sql, read=BIGQUERY)
    if not isinstance(select, exp.Select):
        raise ValueError(f"not a SELECT: {sql[:80]!r}")
    return [e.alias_or_name for e in select.expressions]
