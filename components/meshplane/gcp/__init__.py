"""L2 components: one ComponentResource per GCP concern, each with secure defaults."""
