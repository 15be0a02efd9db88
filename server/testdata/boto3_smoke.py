"""boto3 against the server over an engine (run by TestBoto3Interop).

Usage: boto3_smoke.py PORT. Exits non-zero on the first failed assertion.
"""
import io
import sys

import boto3
from botocore.exceptions import ClientError
from botocore.utils import calculate_tree_hash

port = sys.argv[1]
s = boto3.session.Session(aws_access_key_id='AKIDEXAMPLE',
                          aws_secret_access_key='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
                          region_name='us-east-1')
c = s.client('glacier', endpoint_url='http://127.0.0.1:' + port)


def error_of(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Message']
    raise AssertionError('no error')


assert c.create_vault(vaultName='v1')['location'] == '/111122223333/vaults/v1'
for i in range(3):
    c.create_vault(vaultName='p%d' % i)
d = c.describe_vault(vaultName='v1')
assert d['VaultARN'].endswith(':111122223333:vaults/v1'), d
assert d['CreationDate'].endswith('Z') and len(d['CreationDate']) == 24, d
pages = list(c.get_paginator('list_vaults').paginate(PaginationConfig={'PageSize': 2}))
assert [v['VaultName'] for p in pages for v in p['VaultList']] == ['p0', 'p1', 'p2', 'v1'], pages

data = bytes(i % 251 for i in range(3 * 1024 * 1024 + 5))
up = c.upload_archive(vaultName='v1', archiveDescription='my  desc', body=data)
assert up['checksum'] == calculate_tree_hash(io.BytesIO(data)), up

mu = c.initiate_multipart_upload(vaultName='v1', partSize=str(1024 * 1024), archiveDescription='multi')
big = bytes(i % 13 for i in range(2 * 1024 * 1024 + 123))
for off in range(0, len(big), 1024 * 1024):
    part = big[off:off + 1024 * 1024]
    c.upload_multipart_part(vaultName='v1', uploadId=mu['uploadId'],
                            range='bytes %d-%d/*' % (off, off + len(part) - 1), body=part)
parts = c.list_parts(vaultName='v1', uploadId=mu['uploadId'])['Parts']
assert [p['RangeInBytes'] for p in parts] == ['0-1048575', '1048576-2097151', '2097152-2097274'], parts
done = c.complete_multipart_upload(vaultName='v1', uploadId=mu['uploadId'], archiveSize=str(len(big)),
                                   checksum=calculate_tree_hash(io.BytesIO(big)))

j = c.initiate_job(vaultName='v1', jobParameters={'Type': 'archive-retrieval', 'ArchiveId': done['archiveId']})
dj = c.describe_job(vaultName='v1', jobId=j['jobId'])
assert dj['Completed'] and dj['ArchiveSizeInBytes'] == len(big) and 'InventorySizeInBytes' not in dj, dj
o = c.get_job_output(vaultName='v1', jobId=j['jobId'])
assert o['status'] == 200 and o['body'].read() == big and o['checksum'] == calculate_tree_hash(io.BytesIO(big)), o
o = c.get_job_output(vaultName='v1', jobId=j['jobId'], range='bytes=1048576-2097151')
assert o['status'] == 206 and o['contentRange'] == 'bytes 1048576-2097151/%d' % len(big), o
assert o['body'].read() == big[1048576:2097152]

inv = c.initiate_job(vaultName='v1', jobParameters={'Type': 'inventory-retrieval', 'Format': 'CSV'})
o = c.get_job_output(vaultName='v1', jobId=inv['jobId'])
assert o['contentType'] == 'text/csv', o
assert o['body'].read().decode().splitlines()[0] == 'ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash'
assert len(c.list_jobs(vaultName='v1', completed='true', statuscode='Succeeded')['JobList']) == 2

c.add_tags_to_vault(vaultName='v1', Tags={'k': 'v'})
assert c.list_tags_for_vault(vaultName='v1')['Tags'] == {'k': 'v'}
c.delete_archive(vaultName='v1', archiveId=up['archiveId'])

code, status, msg = error_of(c.describe_vault, vaultName='nope')
assert (code, status) == ('ResourceNotFoundException', 404) and 'vaults/nope' in msg, msg
code, status, msg = error_of(c.list_jobs, vaultName='v1', statuscode='finished')
assert (code, status) == ('InvalidParameterValueException', 400), msg
bad = s.client('glacier', endpoint_url='http://127.0.0.1:' + port, aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='wrong')
code, status, _ = error_of(bad.list_vaults)
assert (code, status) == ('InvalidSignatureException', 403), code
# A client of another region signs for it; the server is in us-east-1.
elsewhere = s.client('glacier', endpoint_url='http://127.0.0.1:' + port, region_name='eu-west-1')
code, status, msg = error_of(elsewhere.list_vaults)
assert (code, status, msg) == ('InvalidSignatureException', 403, "Credential should be scoped to a valid region, not 'eu-west-1'."), msg
