"""Drive every Glacier operation, paginator and waiter through boto3 against
a Glacier endpoint (FIRN_ENDPOINT) and assert on the responses.

Run by clients_test.go against an in-process Firn server; exits non-zero with
a message on the first failure."""

import hashlib
import io
import json
import os
import sys

import boto3
import botocore
from botocore.utils import calculate_tree_hash

endpoint = os.environ["FIRN_ENDPOINT"]
g = boto3.client(
    "glacier",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="secret",
)
ACCOUNT = "000000000000"
done = set()


def op(name):
    done.add(name)
    return getattr(g, name)


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{fn.__name__}: error {got}, want {code}: {e}"
        return e
    raise AssertionError(f"{fn.__name__} succeeded, want {code}")


# Vaults.
r = op("create_vault")(vaultName="boto")
assert r["location"] == f"/{ACCOUNT}/vaults/boto", r
for i in range(12):
    g.create_vault(vaultName=f"page-{i:02d}")
d = op("describe_vault")(vaultName="boto")
assert d["VaultARN"] == f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/boto", d
assert d["NumberOfArchives"] == 0
r = op("list_vaults")(limit="5")
assert len(r["VaultList"]) == 5 and r["Marker"], r
names = [v["VaultName"] for page in g.get_paginator("list_vaults").paginate(PaginationConfig={"PageSize": 4}) for v in page["VaultList"]]
assert names == sorted(names) and len(names) == 13, names
expect_error("ResourceNotFoundException", g.describe_vault, vaultName="missing")

# Waiters.
g.get_waiter("vault_exists").wait(vaultName="boto", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
g.get_waiter("vault_not_exists").wait(vaultName="missing", WaiterConfig={"Delay": 1, "MaxAttempts": 2})

# Tags, notifications, access policy.
op("add_tags_to_vault")(vaultName="boto", Tags={"team": "storage", "env": "test"})
assert op("list_tags_for_vault")(vaultName="boto")["Tags"] == {"team": "storage", "env": "test"}
op("remove_tags_from_vault")(vaultName="boto", TagKeys=["env"])
assert g.list_tags_for_vault(vaultName="boto")["Tags"] == {"team": "storage"}
topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:glacier-events"
op("set_vault_notifications")(vaultName="boto", vaultNotificationConfig={"SNSTopic": topic, "Events": ["ArchiveRetrievalCompleted"]})
n = op("get_vault_notifications")(vaultName="boto")["vaultNotificationConfig"]
assert n == {"SNSTopic": topic, "Events": ["ArchiveRetrievalCompleted"]}, n
op("delete_vault_notifications")(vaultName="boto")
expect_error("ResourceNotFoundException", g.get_vault_notifications, vaultName="boto")
policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "s", "Effect": "Allow", "Principal": "*",
                     "Action": "glacier:ListJobs", "Resource": f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/boto"}]})
op("set_vault_access_policy")(vaultName="boto", policy={"Policy": policy})
assert op("get_vault_access_policy")(vaultName="boto")["policy"]["Policy"] == policy
op("delete_vault_access_policy")(vaultName="boto")
expect_error("ResourceNotFoundException", g.get_vault_access_policy, vaultName="boto")
expect_error("InvalidParameterValueException", g.set_vault_access_policy, vaultName="boto", policy={"Policy": "{not json"})

# Archives.
data = bytes(i % 251 for i in range(5 * 1024 * 1024 + 123))
r = op("upload_archive")(vaultName="boto", archiveDescription="five", body=data)
assert r["checksum"] == calculate_tree_hash(io.BytesIO(data)) == "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182", r
archive = r["archiveId"]
assert r["location"] == f"/{ACCOUNT}/vaults/boto/archives/{archive}", r
expect_error("InvalidParameterValueException", g.upload_archive, vaultName="boto", body=b"x", checksum="0" * 64)

# Multipart.
part = 1024 * 1024
r = op("initiate_multipart_upload")(vaultName="boto", archiveDescription="multi", partSize=str(part))
upload = r["uploadId"]
hashes = []
for i in range(0, len(data), part):
    chunk = data[i:i + part]
    r = op("upload_multipart_part")(vaultName="boto", uploadId=upload, range=f"bytes {i}-{i + len(chunk) - 1}/*", body=chunk)
    hashes.append(r["checksum"])
parts = [p for page in g.get_paginator("list_parts").paginate(vaultName="boto", uploadId=upload, PaginationConfig={"PageSize": 4}) for p in page["Parts"]]
assert [p["SHA256TreeHash"] for p in parts] == hashes and parts[0]["RangeInBytes"] == "0-1048575", parts
r = op("list_parts")(vaultName="boto", uploadId=upload, limit="2")
assert len(r["Parts"]) == 2 and r["PartSizeInBytes"] == part, r
ups = op("list_multipart_uploads")(vaultName="boto")["UploadsList"]
assert [u["MultipartUploadId"] for u in ups] == [upload], ups
assert len([u for page in g.get_paginator("list_multipart_uploads").paginate(vaultName="boto") for u in page["UploadsList"]]) == 1
r = op("complete_multipart_upload")(vaultName="boto", uploadId=upload, archiveSize=str(len(data)), checksum=calculate_tree_hash(io.BytesIO(data)))
assert r["checksum"] == calculate_tree_hash(io.BytesIO(data)), r
multi = r["archiveId"]
r = g.initiate_multipart_upload(vaultName="boto", partSize=str(part))
op("abort_multipart_upload")(vaultName="boto", uploadId=r["uploadId"])
assert g.list_multipart_uploads(vaultName="boto")["UploadsList"] == []

# Jobs.
r = op("initiate_job")(vaultName="boto", jobParameters={"Type": "archive-retrieval", "ArchiveId": archive, "Description": "whole", "Tier": "Expedited"})
job = r["jobId"]
d = op("describe_job")(vaultName="boto", jobId=job)
assert d["Completed"] and d["StatusCode"] == "Succeeded" and d["ArchiveSizeInBytes"] == len(data), d
assert d["SHA256TreeHash"] == d["ArchiveSHA256TreeHash"] == calculate_tree_hash(io.BytesIO(data)), d
out = op("get_job_output")(vaultName="boto", jobId=job)
assert out["body"].read() == data and out["status"] == 200 and out["checksum"] == d["SHA256TreeHash"], out
out = g.get_job_output(vaultName="boto", jobId=job, range="bytes=1048576-2097151")
assert out["body"].read() == data[part:2 * part] and out["status"] == 206, out
assert out["contentRange"] == f"bytes 1048576-2097151/{len(data)}", out
assert out["checksum"] == hashlib.sha256(data[part:2 * part]).hexdigest(), out
r = g.initiate_job(vaultName="boto", jobParameters={"Type": "archive-retrieval", "ArchiveId": multi})
assert g.get_job_output(vaultName="boto", jobId=r["jobId"])["body"].read() == data
r = g.initiate_job(vaultName="boto", jobParameters={"Type": "inventory-retrieval", "Format": "JSON"})
inv = json.loads(g.get_job_output(vaultName="boto", jobId=r["jobId"])["body"].read())
assert sorted(a["ArchiveId"] for a in inv["ArchiveList"]) == sorted([archive, multi]), inv
r = g.initiate_job(vaultName="boto", jobParameters={"Type": "inventory-retrieval", "Format": "CSV"})
csv = g.get_job_output(vaultName="boto", jobId=r["jobId"])
assert csv["contentType"] == "text/csv" and csv["body"].read().startswith(b"ArchiveId,ArchiveDescription,"), csv
jobs = op("list_jobs")(vaultName="boto", statuscode="Succeeded")["JobList"]
assert len(jobs) == 4, jobs
assert len([j for page in g.get_paginator("list_jobs").paginate(vaultName="boto", PaginationConfig={"PageSize": 3}) for j in page["JobList"]]) == 4
expect_error("InvalidParameterValueException", g.list_jobs, vaultName="boto", statuscode="finished")
expect_error("ResourceNotFoundException", g.describe_job, vaultName="boto", jobId="nope")

# Select.
rows = b"name,age\nann,30\nbob,700\n"
sel_archive = g.upload_archive(vaultName="boto", body=rows)["archiveId"]
r = g.initiate_job(vaultName="boto", jobParameters={
    "Type": "select", "ArchiveId": sel_archive,
    "SelectParameters": {"ExpressionType": "SQL", "Expression": "SELECT s.name FROM archive s WHERE CAST(s.age AS INT) > 100",
                         "InputSerialization": {"csv": {"FileHeaderInfo": "USE"}}, "OutputSerialization": {"csv": {}}},
    "OutputLocation": {"S3": {"BucketName": "results", "Prefix": "q"}}})
assert r["jobOutputPath"].startswith("s3://results/q/"), r
assert g.get_job_output(vaultName="boto", jobId=r["jobId"])["body"].read() == b"bob\n"

# Vault lock.
lock_policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "deny-young", "Effect": "Deny", "Principal": "*",
                          "Action": "glacier:DeleteArchive", "Resource": f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/boto",
                          "Condition": {"NumericLessThan": {"glacier:ArchiveAgeInDays": "365"}}}]})
lock = op("initiate_vault_lock")(vaultName="boto", policy={"Policy": lock_policy})["lockId"]
l = op("get_vault_lock")(vaultName="boto")
assert l["State"] == "InProgress" and l["Policy"] == lock_policy, l
op("abort_vault_lock")(vaultName="boto")
lock = g.initiate_vault_lock(vaultName="boto", policy={"Policy": lock_policy})["lockId"]
op("complete_vault_lock")(vaultName="boto", lockId=lock)
assert g.get_vault_lock(vaultName="boto")["State"] == "Locked"
expect_error("AccessDeniedException", g.delete_archive, vaultName="boto", archiveId=archive)

# Account settings.
op("set_data_retrieval_policy")(Policy={"Rules": [{"Strategy": "BytesPerHour", "BytesPerHour": 10737418240}]})
p = op("get_data_retrieval_policy")()["Policy"]
assert p == {"Rules": [{"Strategy": "BytesPerHour", "BytesPerHour": 10737418240}]}, p
cap = op("purchase_provisioned_capacity")()["capacityId"]
caps = op("list_provisioned_capacity")()["ProvisionedCapacityList"]
assert [c["CapacityId"] for c in caps] == [cap], caps

# Deletion.
op("delete_archive")(vaultName="page-00", archiveId=g.upload_archive(vaultName="page-00", body=b"bye")["archiveId"])
op("delete_vault")(vaultName="page-01")
expect_error("ResourceNotFoundException", g.describe_vault, vaultName="page-01")

all_ops = {botocore.xform_name(name) for name in g.meta.service_model.operation_names}
missing = all_ops - done
assert not missing, f"operations not exercised: {sorted(missing)}"
print(f"boto3: {len(done)} operations, 4 paginators and 2 waiters OK")
