"""Customer-managed encryption: the project's BigQuery agent may use the platform's key.

BigQuery encrypts a CMEK dataset's tables as the project's encryption service agent
(``bq-<number>@bigquery-encryption.iam.gserviceaccount.com``), which the provider's data source
looks up (and creates, the first time). Datasets and tables must wait for this grant to propagate,
or creating them fails: they depend on ``ready``, a wait after the grant. Without the grant the
data cannot be read: it is protected and retained like the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from . import roles, waits
from .options import component_token, grant_child


@dataclass
class EncryptionArgs:
    """The project whose BigQuery agent is granted, and the key (in the data's location)."""

    project: pulumi.Input[str]
    kms_key_name: str
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the BigQuery API
    purge: bool = False  # a purged product: the grant is neither protected nor retained


class Encryption(pulumi.ComponentResource):
    """``roles/cloudkms.cryptoKeyEncrypterDecrypter`` on one key for the project's BigQuery agent, and
    ``ready``, a wait after it that the encrypted datasets and tables depend on."""

    def __init__(self, name: str, args: EncryptionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Encryption"), name, None, opts)
        agent = gcp.bigquery.get_default_service_account_output(
            project=args.project, opts=pulumi.InvokeOutputOptions(parent=self, depends_on=args.depends_on))
        self.kms_key_name = args.kms_key_name
        self.agent_member: pulumi.Output[str] = agent.member
        self.grant = gcp.kms.CryptoKeyIAMMember(
            f"{name}-bigquery-agent", crypto_key_id=args.kms_key_name,
            role=roles.KMS_ENCRYPTER_DECRYPTER, member=agent.member, opts=grant_child(self, keep=not args.purge))
        self.ready = waits.wait(f"{name}-propagation", self, [self.grant], waits.KEY_GRANT,
                                {"key": args.kms_key_name})
        self.register_outputs({"agent": self.agent_member})
