"""``meshplane audit``: the deployed BigQuery state of a stack against its plan, read-only.

Datasets: actual access entries against planned (extra = leak, missing = drift; on a dataset the stack
only adds entries to, only missing ones count). Tables and views, routines and row access policies:
``compare``. A read that fails is reported as unchecked with the API's message.
"""

from __future__ import annotations

from .acl import Entry, compare_entries, describe, entry_key, why_extra, why_missing
from .bigquery_reads import ApiError, BigQueryReads
from .compare import compare_grantees, compare_routine, compare_row_policies, compare_table
from .expected import Expected, ExpectedDataset, known
from .invented import could_be, is_invented
from .findings import DRIFT, LEAK, OK, UNCHECKED, Report


def run_audit(expected: Expected, bq: BigQueryReads, report: Report) -> Report:
    """Every check of the audit, each dataset, table, routine and table's row policies once."""
    for key in sorted(expected.datasets):
        _dataset(expected, key, bq, report)
    exposed = authorized_datasets(expected)
    for key in sorted(k for k, d in expected.datasets.items() if d.created):
        _contents(expected, key, key in exposed, bq, report)
    for (p, d, t), planned in sorted(expected.tables.items()):
        _checked(report, "view" if (planned.get("view") or {}).get("query") else "table", f"{p}.{d}.{t}",
                 lambda: bq.table(p, d, t), lambda actual: compare_table(planned, actual))
    for (p, d, r), planned in sorted(expected.routines.items()):
        _checked(report, "routine", f"{p}.{d}.{r}", lambda: bq.routine(p, d, r),
                 lambda actual: compare_routine(planned, actual))
    for (p, d, t), planned in sorted(expected.row_policies.items()):
        if _row_policies(report, f"{p}.{d}.{t}", planned, lambda: bq.row_policies(p, d, t)):
            _grantees(report, (p, d, t), planned, expected.numbers, bq)
    return report


def _dataset(expected: Expected, key: tuple[str, str], bq: BigQueryReads, report: Report) -> None:
    planned, name = expected.datasets[key], ".".join(key)
    actual = _read(report, "dataset access", name, lambda: bq.dataset(*key))
    if actual is UNREAD:
        return
    if actual is None:
        what = "the dataset does not exist (not deployed, or deleted)" if planned.created else \
            f"the dataset does not exist: the {len(planned.entries)} entries the stack grants on it are missing"
        report.add("dataset", name, what, DRIFT)
        return
    extra, missing = compare_entries(planned.entries, actual.get("access") or [])
    _made_up(planned, extra, missing, report)
    if planned.created:
        for entry in extra:
            report.add("dataset access", name, f"extra entry {describe(entry)}: {why_extra(entry)}", LEAK)
    for entry in missing:
        report.add("dataset access", name, f"missing entry {describe(entry)}: {why_missing(entry)}", DRIFT)
    if planned.created and planned.location and actual.get("location") and \
            str(actual["location"]).upper() != str(planned.location).upper():
        report.add("dataset", name, f"location {actual['location']}, planned {planned.location}", DRIFT)
    if not missing and not (extra and planned.created):
        report.add("dataset access", name, f"{len(planned.entries)} entries as planned", OK)


def _made_up(planned: ExpectedDataset, extra: list[Entry], missing: list[Entry], report: Report) -> None:
    """A planned entry whose member the offline plan made up (``invented``) takes the actual entry of its
    shape out of ``extra``, unchecked; with none of its shape it is missing whatever the real member is."""
    name = f"{planned.project}.{planned.dataset_id}"
    for key in sorted({entry_key(e) for e in planned.invented}):
        match = next((e for e in extra if could_be(key, e)), None)
        if match is None:
            missing.append(key)
            continue
        extra.remove(match)
        report.add("dataset access", name, f"planned {describe(key)} is made up by the offline plan (a project "
                   f"number, or the deployer): BigQuery has {describe(match)}; pass --state (pulumi stack "
                   "export) or set platform.deployer to check it", UNCHECKED)


def authorized_datasets(expected: Expected) -> set[tuple[str, str]]:
    """The datasets a planned ACL authorizes (``authorizedDataset``): what runs in them reads the other
    dataset with its access (an interface port dataset on its internal one)."""
    out = set()
    for planned in expected.datasets.values():
        for _, kind, ident in (entry_key(e) for e in planned.entries):
            if kind == "dataset":
                out.add(tuple(ident.split(".", 1)))
    return out


def _contents(expected: Expected, key: tuple[str, str], authorized: bool, bq: BigQueryReads, report: Report) -> None:
    """Objects in a dataset the stack creates that the plan does not: in an authorized dataset a leak (a
    view there reads the authorizing dataset's data; every reader of the port reads what is in it),
    elsewhere drift."""
    name = ".".join(key)
    listed = _read(report, "dataset contents", name, lambda: bq.contents(*key), "listed")
    if listed is UNREAD:
        return
    if listed is None:
        return  # the dataset does not exist: reported by the dataset check
    planned = {(t, "table") for p, d, t in expected.tables if (p, d) == key} | \
        {(r, "routine") for p, d, r in expected.routines if (p, d) == key}
    extra = [(i, kind) for i, kind in listed if (i, "routine" if kind == "ROUTINE" else "table") not in planned]
    for object_id, kind in extra:
        what = kind.lower().replace("_", " ")
        if authorized:
            report.add("dataset contents", f"{name}.{object_id}", f"a {what} the plan does not create, in a dataset "
                       "an ACL authorizes: it reads the authorizing dataset's data with its access, and every "
                       "reader of this dataset reads it", LEAK)
        else:
            report.add("dataset contents", f"{name}.{object_id}", f"a {what} the plan does not create "
                                                                 "(made outside Pulumi)", DRIFT)
    if not extra:
        report.add("dataset contents", name, f"{len(listed)} objects, all planned", OK)


UNREAD = object()  # what ``_read`` returns when the API failed (reported unchecked): not None, which is "absent"


def _read(report: Report, kind: str, name: str, read, verb: str = "read"):
    """``read()``, or ``UNREAD`` after reporting the API error as an unchecked (failed) finding."""
    try:
        return read()
    except ApiError as exc:
        report.add(kind, name, f"could not be {verb}: {exc}", UNCHECKED, failed=True)
        return UNREAD


def _checked(report: Report, kind: str, name: str, read, compare) -> None:
    actual = _read(report, kind, name, read)
    if actual is UNREAD:
        return
    if actual is None:
        report.add(kind, name, f"the {kind} does not exist (not deployed, or deleted)", DRIFT)
        return
    differences = compare(actual)
    for what, message, status in differences:
        report.add(what, name, message, status)
    if not differences:
        report.add(kind, name, "as planned", OK)


def _row_policies(report: Report, name: str, planned: dict, read) -> bool:
    """The policies and their filters; whether the table's policies could be listed."""
    actual = _read(report, "row access policy", name, read, "listed")
    if actual is UNREAD:
        return False
    if actual is None:
        report.add("row access policy", name, "the table does not exist", DRIFT)
        return False
    differences = compare_row_policies(planned, actual)
    for policy_id, message, status in differences:
        report.add("row access policy", f"{name}/{policy_id}", message, status)
    if not differences:
        report.add("row access policy", name, f"{len(planned)} policies with the planned filters", OK)
    return True


def _grantees(report: Report, key: tuple[str, str, str], planned: dict, numbers: frozenset[str],
              bq: BigQueryReads) -> None:
    """Each planned policy's grantees against its IAM policy (``rowAccessPolicies.getIamPolicy``); a
    grantee the offline plan made up (``invented``) takes the actual member of its shape, unchecked."""
    for policy_id, policy in sorted(planned.items()):
        name = f"{'.'.join(key)}/{policy_id}"
        actual = _read(report, "row policy grantees", name, lambda: bq.row_policy_grantees(*key, policy_id))
        if actual is UNREAD or actual is None:
            continue  # None: the policy is missing, reported with the policies
        grantees = [g for g in policy.get("grantees") or [] if known(g)]
        for made_up in [g for g in grantees if is_invented(g.partition(":")[2], numbers)]:
            grantees.remove(made_up)
            match = next((m for m in sorted(actual) if could_be(("", "email", made_up.partition(":")[2].lower()),
                                                                ("", "email", m.partition(":")[2].lower()))), None)
            if match is not None:
                actual = actual - {match}
                report.add("row policy grantees", name, f"planned {made_up} is made up by the offline plan (a "
                           f"project number): the policy has {match}; pass --state to check it", UNCHECKED)
            else:
                grantees.append(made_up)  # none of its shape: missing whatever the number is
        differences = compare_grantees(grantees, actual)
        for message, status in differences:
            report.add("row policy grantees", name, message, status)
        if not differences:
            report.add("row policy grantees", name, f"{len(actual)} grantees as planned", OK)
