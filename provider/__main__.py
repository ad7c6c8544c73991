"""The meshplane component provider: the plugin ``pulumi package add`` runs to serve meshplane's
components to any Pulumi language (docs/provider.md).

The engine starts it as ``python provider/ <engine-address>``; it prints the port of its gRPC server.
``meshplane.wire.host`` is ``component_provider_host`` with input errors kept as input errors.
Run from a checkout, the library beside it (``../components``) is the one served.
"""

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1] / "components"
if (CHECKOUT / "meshplane").is_dir():
    sys.path.insert(0, str(CHECKOUT))

from meshplane.wire.host import serve  # noqa: E402

if __name__ == "__main__":
    serve(sys.argv[1:])
