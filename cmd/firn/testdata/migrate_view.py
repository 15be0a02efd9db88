"""Print, as JSON, what boto3 sees of a vault at a Glacier endpoint:
list_vaults, describe_vault, an inventory job's ArchiveList, and the SHA-256
of each archive given, retrieved by its ID through a job.

Usage: migrate_view.py ENDPOINT VAULT [ARCHIVE_ID...]; run by
migrate_e2e_test.go on a migration's source and destination."""

import hashlib
import json
import sys

import boto3

endpoint, vault, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
g = boto3.client(
    "glacier",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="secret",
)


def plain(d):
    """A response without its metadata, dates as the service sends them."""
    d = dict(d)
    d.pop("ResponseMetadata", None)
    return d


def output(params):
    job = g.initiate_job(vaultName=vault, jobParameters=params)
    return g.get_job_output(vaultName=vault, jobId=job["jobId"])["body"].read()


vaults = [plain(v) for v in g.list_vaults()["VaultList"]]
describe = plain(g.describe_vault(vaultName=vault))
inventory = json.loads(output({"Type": "inventory-retrieval", "Format": "JSON"}))["ArchiveList"]
archives = {i: hashlib.sha256(output({"Type": "archive-retrieval", "ArchiveId": i})).hexdigest() for i in ids}
json.dump({"vaults": vaults, "describe": describe, "inventory": inventory, "archives": archives}, sys.stdout, default=str)
