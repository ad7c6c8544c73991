"""meshplane as a Pulumi component provider: the components of ``provider/`` (see docs/provider.md).

``components`` holds the facades (wire-typed inputs, the library's components inside); ``convert``
the validation of wire inputs with the library's models, and their input errors.
"""
