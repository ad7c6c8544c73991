"""What a product is on Google Cloud, derived purely from its declaration: names and labels, addresses,
placement and keys, job region, needs, table schemas, column security, S3 landing."""
