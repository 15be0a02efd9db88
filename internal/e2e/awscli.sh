#!/usr/bin/env bash
# A handful of AWS CLI commands against a Glacier endpoint (FIRN_ENDPOINT),
# asserting on their output. Run by clients_test.go.
set -euo pipefail
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=us-east-1
g() { aws glacier --endpoint-url "$FIRN_ENDPOINT" --output json "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

g create-vault --account-id - --vault-name cli | grep -q '"location": "/000000000000/vaults/cli"'
head -c 3000000 /dev/urandom > "$tmp/in"
archive=$(g upload-archive --account-id - --vault-name cli --body "$tmp/in" --archive-description "from the cli" \
	| python3 -c 'import json,sys; print(json.load(sys.stdin)["archiveId"])')
g list-vaults --account-id - | python3 -c 'import json,sys; v=json.load(sys.stdin)["VaultList"]; assert [x["VaultName"] for x in v]==["cli"], v; assert v[0]["NumberOfArchives"]==1, v'
job=$(g initiate-job --account-id - --vault-name cli --job-parameters "{\"Type\":\"archive-retrieval\",\"ArchiveId\":\"$archive\"}" \
	| python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
g get-job-output --account-id - --vault-name cli --job-id "$job" "$tmp/out" >/dev/null
cmp "$tmp/in" "$tmp/out"
echo "aws cli: create-vault, upload-archive, list-vaults, initiate-job, get-job-output OK"
