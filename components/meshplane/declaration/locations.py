"""BigQuery locations: the multi-regions and the regions a dataset can be created in."""

MULTI_REGIONS = frozenset({"US", "EU"})

REGIONS = frozenset({
    # Americas
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2",
    "us-west3", "us-west4", "northamerica-northeast1", "northamerica-northeast2",
    "northamerica-south1", "southamerica-east1", "southamerica-west1", "mexico-central1",
    # Europe
    "europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1",
    "europe-west2", "europe-west3", "europe-west4", "europe-west6", "europe-west8",
    "europe-west9", "europe-west10", "europe-west12",
    # Asia Pacific
    "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3",
    "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2",
    "australia-southeast1", "australia-southeast2",
    # Middle East and Africa
    "me-central1", "me-central2", "me-west1", "africa-south1",
})

BIGQUERY_LOCATIONS = MULTI_REGIONS | REGIONS

EU_REGIONS = frozenset(r for r in REGIONS if r.startswith("europe-"))
US_REGIONS = frozenset(r for r in REGIONS if r.startswith("us-"))


def regions_within(location: str) -> frozenset[str]:
    """The regions whose data stays within ``location`` (a region is within itself)."""
    if location == "EU":
        return EU_REGIONS - {"europe-west2", "europe-west6"}  # London and Zurich are outside the EU
    if location == "US":
        return US_REGIONS
    return frozenset({location})
