"""Local fakes of the two Google APIs the live commands call, for the real client libraries.

* ``FakeBigQuery``: the BigQuery v2 REST API on 127.0.0.1 (``http.server`` in a thread), serving
  datasets.get, tables.get/list, routines.get/list, rowAccessPolicies.list/getIamPolicy (the ``grantees`` a
  test gives a policy, bound to roles/bigquery.filteredDataViewer) and jobs.insert with ``dryRun``
  (lists paged: ``page_size`` per page, ``nextPageToken``/``pageToken``)
  from ``state`` the test sets up. Errors are the API's: 404 ``notFound``, 400 ``invalidQuery`` with a
  message. A dry run parses the query (sqlglot, BigQuery dialect) and refuses one that names a table
  that does not exist, or a column none of its tables (nor the query's own aliases) has. Anything
  else answers 501, so no test passes on a call it did not mean to make. ``fail`` maps a path prefix
  to an HTTP status, to break the API mid-way.
* ``FakeIam``: the IAM admin gRPC service (``google.iam.admin.v1.IAM``) on 127.0.0.1, built from the
  library's own request and response types (``google.cloud.iam_admin_v1``): GetServiceAccount, GetRole,
  QueryGrantableRoles; other methods are UNIMPLEMENTED.

What the fakes cannot show: the real APIs' permission model, eventual consistency, and every SQL error
BigQuery finds (the dry run checks names only, not types or functions).
"""

from __future__ import annotations

import json
import threading
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import grpc
import sqlglot
from google.cloud import iam_admin_v1
from sqlglot import exp

BASE = "/bigquery/v2/projects/"


def api_error(code: int, reason: str, message: str) -> dict:
    status = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}.get(code, "UNKNOWN")
    return {"error": {"code": code, "message": message, "status": status,
                      "errors": [{"message": message, "domain": "global", "reason": reason}]}}


@dataclass
class BigQueryState:
    """What the fake serves: REST resources keyed by ``project.dataset[.table]``."""

    datasets: dict[str, dict] = field(default_factory=dict)
    tables: dict[str, dict] = field(default_factory=dict)
    routines: dict[str, dict] = field(default_factory=dict)
    row_policies: dict[str, list[dict]] = field(default_factory=dict)  # by project.dataset.table
    projects: set[str] | None = None  # the projects that exist (None: every one), where a dry run may run
    page_size: int = 50  # tables.list and routines.list answer this many per page, then a nextPageToken
    fail: dict[str, int] = field(default_factory=dict)  # path prefix (after /bigquery/v2) -> status
    calls: list[str] = field(default_factory=list)


class JsonHttpFake:
    """A JSON API on 127.0.0.1 (``http.server`` in a thread); use as a context manager. ``endpoint`` is its
    base URL. Methods outside ``METHODS`` answer 501; a subclass answers the others in ``_answer``."""

    METHODS: tuple[str, ...] = ("GET",)

    def __init__(self):
        fake, served = self, self.METHODS

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            setattr(Handler, f"do_{method}", (lambda m: lambda h: fake._answer(h, m))(method) if method in served
                    else lambda h, m=method: fake._send(h, 501, api_error(501, "notImplemented",
                                                                          f"the fake does not answer {m}")))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _send(self, handler, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, handler, method: str) -> None:
        raise NotImplementedError


class FakeBigQuery(JsonHttpFake):
    METHODS = ("GET", "POST")

    def __init__(self, state: BigQueryState | None = None):
        self.state = state or BigQueryState()
        super().__init__()

    def _answer(self, handler, method: str) -> None:
        path, _, query = handler.path.partition("?")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        body = json.loads(handler.rfile.read(int(handler.headers.get("Content-Length") or 0)) or b"{}")
        self.state.calls.append(f"{method} {path}")
        rest = path[len(BASE):] if path.startswith(BASE) else None
        broken = next((code for prefix, code in self.state.fail.items() if rest and rest.startswith(prefix)), None)
        if broken:
            return self._send(handler, broken, api_error(broken, "accessDenied" if broken == 403 else "backendError",
                                                         f"Access Denied: {rest}"))
        code, answer = self._route(method, rest, body, params) if rest is not None else (501, None)
        self._send(handler, code, answer or api_error(501, "notImplemented", f"the fake does not model {method} {path}"))

    def _route(self, method: str, rest: str, body: dict, params: dict) -> tuple[int, dict | None]:
        parts = rest.split("/")  # p / datasets / d / tables / t / rowAccessPolicies
        s = self.state
        if method == "POST" and parts[1:] == ["jobs"]:
            return self._dry_run(parts[0], body)
        if method == "POST" and len(parts) == 7 and parts[5] == "rowAccessPolicies" and \
                parts[6].endswith(":getIamPolicy"):
            return self._row_policy_iam(".".join((parts[0], parts[2], parts[4])), parts[6].split(":")[0])
        if method != "GET" or len(parts) < 3 or parts[1] != "datasets":
            return 501, None
        dataset = f"{parts[0]}.{parts[2]}"
        if len(parts) == 3:
            return self._found(s.datasets.get(dataset), "Dataset", dataset)
        if len(parts) == 4 and parts[3] in ("tables", "routines"):
            if dataset not in s.datasets:
                return self._found(None, "Dataset", dataset)
            if parts[3] == "tables":
                listed = [{"tableReference": t["tableReference"], "type": t.get("type", "TABLE")}
                          for key, t in sorted(s.tables.items()) if key.rsplit(".", 1)[0] == dataset]
                page = self._page("tables", listed, params)
                return 200, {"kind": "bigquery#tableList", **page, "totalItems": len(listed)}
            listed = [{"routineReference": r["routineReference"], "routineType": r.get("routineType")}
                      for key, r in sorted(s.routines.items()) if key.rsplit(".", 1)[0] == dataset]
            return 200, self._page("routines", listed, params)
        key = f"{dataset}.{parts[4]}" if len(parts) >= 5 else ""
        if len(parts) == 5 and parts[3] in ("tables", "routines"):
            store = s.tables if parts[3] == "tables" else s.routines
            return self._found(store.get(key), "Table" if parts[3] == "tables" else "Routine", key)
        if len(parts) == 6 and parts[3] == "tables" and parts[5] == "rowAccessPolicies":
            if key not in s.tables:
                return self._found(None, "Table", key)
            listed = [{k: v for k, v in p.items() if k != "grantees"} for p in s.row_policies.get(key, [])]
            return 200, self._page("rowAccessPolicies", listed, {"maxResults": params.get("pageSize"), **params})
        return 501, None

    def _row_policy_iam(self, table: str, policy_id: str) -> tuple[int, dict]:
        """rowAccessPolicies.getIamPolicy: the policy's ``grantees`` (state) bound to filteredDataViewer."""
        found = next((p for p in self.state.row_policies.get(table, [])
                      if p["rowAccessPolicyReference"]["policyId"] == policy_id), None)
        if found is None:
            return self._found(None, "Row access policy", f"{table}.{policy_id}")
        members = sorted(found.get("grantees") or [])
        bindings = [{"role": "roles/bigquery.filteredDataViewer", "members": members}] if members else []
        return 200, {"version": 1, "etag": "BwX=", **({"bindings": bindings} if bindings else {})}

    def _page(self, name: str, listed: list[dict], params: dict) -> dict:
        """One page of a list, as the API pages it: ``maxResults`` (at most ``page_size``) from
        ``pageToken``, with a ``nextPageToken`` while more are left."""
        size = min(int(params.get("maxResults") or self.state.page_size), self.state.page_size)
        start = int(params.get("pageToken") or 0)
        page = {name: listed[start:start + size]} if listed[start:start + size] else {}
        return page | ({"nextPageToken": str(start + size)} if start + size < len(listed) else {})

    def _found(self, resource: dict | None, what: str, key: str) -> tuple[int, dict]:
        if resource is None:
            project, _, rest = key.partition(".")
            return 404, api_error(404, "notFound", f"Not found: {what} {project}:{rest}")
        return 200, resource

    def _dry_run(self, project: str, body: dict) -> tuple[int, dict | None]:
        config = body.get("configuration") or {}
        if not config.get("dryRun"):
            return 501, None
        if self.state.projects is not None and project not in self.state.projects:
            return 404, api_error(404, "notFound", f"Not found: Project {project}")
        sql = (config.get("query") or {}).get("query", "")
        refused = self.refuse(sql, project)
        if refused:
            return 400, api_error(400, "invalidQuery", refused)
        return 200, {"kind": "bigquery#job", "jobReference": {**body.get("jobReference", {}), "projectId": project},
                     "configuration": config, "status": {"state": "DONE"},
                     "statistics": {"query": {"totalBytesProcessed": "0", "statementType": "SELECT"}}}

    def refuse(self, sql: str, project: str, depth: int = 0) -> str | None:
        """Why BigQuery would refuse ``sql``: a missing table or an unknown column name, here or in the
        query of a view it reads (BigQuery compiles views into the query); None: valid."""
        try:
            tree = sqlglot.parse_one(sql, read="bigquery")
        except sqlglot.errors.ParseError as exc:
            return f"Syntax error: {str(exc).splitlines()[0]}"
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        names: set[str] = {a.alias.lower() for a in tree.find_all(exp.Alias)} | ctes
        for table in tree.find_all(exp.Table):
            if not table.db and table.name.lower() in ctes:
                continue
            key = ".".join([table.catalog or project, table.db, table.name])
            found = self.state.tables.get(key)
            if found is None:
                return f"Not found: Table {key.replace('.', ':', 1)} was not found in location EU"
            inner = (found.get("view") or {}).get("query")
            refused = self.refuse(inner, table.catalog or project, depth + 1) if inner and depth < 8 else None
            if refused:
                return refused
            names |= {table.alias_or_name.lower(), table.name.lower()}
            names |= _field_names((found.get("schema") or {}).get("fields"))
        for column in tree.find_all(exp.Column):
            if column.name.lower() not in names and column.name != "*":
                return f"Unrecognized name: {column.name} at [1:1]"
        return None


def _field_names(fields) -> set[str]:
    out = set()
    for f in fields or []:
        out.add(f["name"].lower())
        out |= _field_names(f.get("fields"))
    return out


@dataclass
class IamState:
    """What the IAM fake serves."""

    accounts: set[str] = field(default_factory=set)  # e-mails
    roles: set[str] = field(default_factory=set)  # predefined (roles/x) and custom (projects/p/roles/r)
    grantable: dict[str, set[str]] = field(default_factory=dict)  # full resource name -> roles
    fail: set[str] = field(default_factory=set)  # method names answering PERMISSION_DENIED
    calls: list[str] = field(default_factory=list)


class FakeIam:
    """The IAM admin gRPC fake; ``endpoint`` is ``127.0.0.1:PORT`` for an insecure channel."""

    def __init__(self, state: IamState | None = None):
        self.state = state or IamState()
        t = iam_admin_v1
        handlers = {
            "GetServiceAccount": (self._get_service_account, t.GetServiceAccountRequest, t.ServiceAccount),
            "GetRole": (self._get_role, t.GetRoleRequest, t.Role),
            "QueryGrantableRoles": (self._query_grantable_roles, t.QueryGrantableRolesRequest,
                                    t.QueryGrantableRolesResponse),
        }
        rpcs = {name: grpc.unary_unary_rpc_method_handler(self._logged(name, fn), request_deserializer=req.deserialize,
                                                          response_serializer=resp.serialize)
                for name, (fn, req, resp) in handlers.items()}
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("google.iam.admin.v1.IAM", rpcs),))
        self.endpoint = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"

    def __enter__(self) -> FakeIam:
        self._server.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.stop(None)

    def _logged(self, name, fn):
        def call(request, context):
            self.state.calls.append(name)
            if name in self.state.fail:
                context.abort(grpc.StatusCode.PERMISSION_DENIED, f"Permission denied on {name}")
            return fn(request, context)
        return call

    def _get_service_account(self, request, context):
        email = request.name.rsplit("/", 1)[-1]
        if email not in self.state.accounts:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Unknown service account {email}")
        project = email.split("@")[1].split(".")[0]
        return iam_admin_v1.ServiceAccount(name=f"projects/{project}/serviceAccounts/{email}", email=email,
                                           project_id=project)

    def _get_role(self, request, context):
        if request.name not in self.state.roles:
            context.abort(grpc.StatusCode.NOT_FOUND, f"The role named {request.name} was not found.")
        return iam_admin_v1.Role(name=request.name, title=request.name)

    def _query_grantable_roles(self, request, context):
        roles = self.state.grantable.get(request.full_resource_name)
        if roles is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Resource {request.full_resource_name} not found.")
        return iam_admin_v1.QueryGrantableRolesResponse(roles=[iam_admin_v1.Role(name=r) for r in sorted(roles)])
