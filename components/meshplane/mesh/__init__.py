"""The mesh: declarations resolved against each other, lineage, validation and deploy order."""
