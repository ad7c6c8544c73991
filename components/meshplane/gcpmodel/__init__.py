"""A model of what GCP and the provider do that Pulumi's mocks don't, in pure Python.

One module per behaviour family of ``gcp-behaviour.md``:

* ``readback``: what the provider reads back into state after a create, and how the next ``up``
  compares the program with that state (update, replace or nothing);
* ``existence``: what must exist, and be usable, before a resource can be created (principals,
  key grants, image grants, metrics, APIs), checked over the dependency graph of a first ``up``;
* ``visibility``: who reads which rows and which tagged columns of each table, per caller.

``state`` holds the state document (the format of ``pulumi stack export``) these work on. The
offline plan and the tests run every stack through them, so a behaviour the components rely on
is a test that fails when it is violated.
"""
