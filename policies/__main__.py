"""The meshplane CrossGuard pack: ``pulumi preview --policy-pack policies [--policy-pack-config FILE]``.

Only construction here: ``PolicyPack`` serves forever, so tests import ``meshplane.governance.crossguard``
(where the policies are built), never this file. Settings: the pack config's ``governance`` object per
policy (``python -m meshplane.governance.crossguard STACK`` writes it), else the defaults.
"""

from pulumi_policy import PolicyPack

from meshplane.governance.crossguard import PACK_NAME, policies

PolicyPack(name=PACK_NAME, policies=policies())
