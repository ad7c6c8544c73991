"""Read-only IAM admin calls (google-cloud-iam, ``google.cloud.iam_admin_v1``, gRPC transport)."""

from __future__ import annotations

from functools import lru_cache

from .bigquery_reads import ApiError, _message


class IamReads:
    """Service accounts, roles and grantable roles, cached per run."""

    def __init__(self, client):
        from google.api_core import exceptions

        self.client, self._exceptions = client, exceptions
        self.grantable_roles = lru_cache(maxsize=None)(self._grantable_roles)
        self.role_exists = lru_cache(maxsize=None)(self._role_exists)

    def _call(self, call, **request):
        try:
            return call(request=request)
        except self._exceptions.NotFound:
            return None
        except Exception as exc:  # noqa: BLE001 - reported as unchecked, never a traceback
            raise ApiError(_message(exc)) from exc

    def service_account_exists(self, email: str) -> bool:
        return self._call(self.client.get_service_account, name=f"projects/-/serviceAccounts/{email}") is not None

    def _role_exists(self, role: str) -> bool:
        return self._call(self.client.get_role, name=role) is not None

    def _grantable_roles(self, full_resource_name: str) -> frozenset[str] | None:
        """The roles grantable on the resource; None when it does not exist."""
        pages = self._call(self.client.query_grantable_roles, full_resource_name=full_resource_name, page_size=1000)
        if pages is None:
            return None
        try:
            return frozenset(role.name for role in pages)
        except self._exceptions.NotFound:
            return None
        except Exception as exc:  # noqa: BLE001 - a later page failed
            raise ApiError(_message(exc)) from exc
