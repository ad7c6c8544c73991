"""The live side: ``meshplane preflight`` and ``meshplane audit`` against the real organization, read-only.

Each concern is a module of pure functions over REST/proto shapes (``expected``, ``acl``, ``compare``,
``grants``, ``sources``) and a thin module that calls Google's client libraries (``bigquery_reads``,
``iam_reads``), which are imported only when a live command runs (``clients``).
"""
