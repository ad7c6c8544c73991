"""Every IAM role meshplane grants, named once. Call sites never spell a role."""

# Dataset ACL entries written with bigquery.DatasetAccess take the legacy names: the API returns
# them, so the roles/bigquery.data* names would show a permanent diff.
DATASET_READER = "READER"
DATASET_WRITER = "WRITER"
DATASET_OWNER = "OWNER"  # the deploying identity only, once, as the dataset's creator
# Table names and schemas, never rows; no legacy name, so the API returns it as written.
DATASET_METADATA_VIEWER = "roles/bigquery.metadataViewer"

BIGQUERY_JOB_USER = "roles/bigquery.jobUser"
BIGQUERY_DATA_VIEWER = "roles/bigquery.dataViewer"
BIGQUERY_DATA_EDITOR = "roles/bigquery.dataEditor"
STORAGE_OBJECT_VIEWER = "roles/storage.objectViewer"
STORAGE_LEGACY_BUCKET_WRITER = "roles/storage.legacyBucketWriter"  # buckets.get, objects.create/delete/list
STORAGE_LEGACY_OBJECT_READER = "roles/storage.legacyObjectReader"  # objects.get: compare before overwriting

BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer", "OWNER"})
KMS_ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
RUN_INVOKER = "roles/run.invoker"
ARTIFACT_READER = "roles/artifactregistry.reader"
CATEGORY_FINE_GRAINED_READER = "roles/datacatalog.categoryFineGrainedReader"  # raw values of tagged columns
MASKED_READER = "roles/bigquerydatapolicy.maskedReader"  # masked values, through the tag's data policy
