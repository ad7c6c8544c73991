"""The Google clients of the live commands: Application Default Credentials, imported only here.

``MESHPLANE_BIGQUERY_ENDPOINT`` (``http://host:port``), ``MESHPLANE_IAM_ENDPOINT`` (``host:port``,
plaintext gRPC) and ``MESHPLANE_REST_ENDPOINT`` (``http://host:port``: Cloud Storage, Pub/Sub, KMS,
Data Catalog, BigQuery data policies, ``rest_reads``) point the clients at local emulators, with
anonymous credentials: the tests' fakes and the README's example use them; nothing else should.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

# google-api-core warns on every import that Python 3.11 support ends in 2027: not the user's concern here
warnings.filterwarnings("ignore", category=FutureWarning, module=r"google\.api_core\._python_version_support")

BIGQUERY_ENDPOINT, IAM_ENDPOINT, REST_ENDPOINT = ("MESHPLANE_BIGQUERY_ENDPOINT", "MESHPLANE_IAM_ENDPOINT",
                                                  "MESHPLANE_REST_ENDPOINT")
HOW_TO = ("no Google Cloud credentials (Application Default Credentials): run "
          "'gcloud auth application-default login', or in CI authenticate with workload identity "
          "federation (google-github-actions/auth); read-only roles are listed in docs/live.md")


class NoCredentials(Exception):
    """Application Default Credentials are not configured."""


@dataclass
class Clients:
    """A BigQuery client, an IAM admin client and a session for the REST reads (``rest_reads``)."""

    bigquery: object
    iam: object
    rest: object


def credentials():
    """Application Default Credentials (anonymous ones for the emulator endpoints); ``NoCredentials``
    with how to get them."""
    if any(os.environ.get(name) for name in (BIGQUERY_ENDPOINT, IAM_ENDPOINT, REST_ENDPOINT)):
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        found, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    except DefaultCredentialsError as exc:
        raise NoCredentials(HOW_TO) from exc
    return found


def connect(project: str, found=None) -> Clients:
    """Clients for ``project`` (dry runs name their own), with ``found`` credentials or ADC."""
    found = found if found is not None else credentials()
    from .rest_reads import rest_session

    return Clients(bigquery_client(project, found), iam_client(found), rest_session(found))


def bigquery_client(project: str, credentials, endpoint: str | None = None):
    from google.cloud import bigquery

    endpoint = endpoint or os.environ.get(BIGQUERY_ENDPOINT)
    options = {"api_endpoint": endpoint} if endpoint else None
    return bigquery.Client(project=project, credentials=credentials, client_options=options)


def iam_client(credentials, endpoint: str | None = None):
    from google.cloud import iam_admin_v1

    endpoint = endpoint or os.environ.get(IAM_ENDPOINT)
    if not endpoint:
        return iam_admin_v1.IAMClient(credentials=credentials)
    import grpc
    from google.cloud.iam_admin_v1.services.iam.transports import IAMGrpcTransport

    return iam_admin_v1.IAMClient(transport=IAMGrpcTransport(channel=grpc.insecure_channel(endpoint)))
