"""The stack programs (domain and platform), the stacks of a directory, and the ``DataProduct``
component composed from the L2 components."""
