"""The AWS side of S3 input ports: the policies it must contain (pure) and their preflight check (boto3).

boto3 is imported only by ``s3_preflight``'s client code, and only when a check runs: it is the
optional extra ``meshplane[aws]``."""
