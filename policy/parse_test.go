package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

// The policies of the API reference's examples (SetVaultAccessPolicy,
// InitiateVaultLock) and the developer guide's retention lock.
const (
	exampleAccessPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Define-owner-access-rights","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"glacier:DeleteArchive","Resource":"arn:aws:glacier:us-west-2:999999999999:vaults/examplevault"}]}`
	exampleLockPolicy   = `{"Version":"2012-10-17","Statement":[{"Sid":"Define-vault-lock","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"glacier:DeleteArchive","Resource":"arn:aws:glacier:us-west-2:999999999999:vaults/examplevault","Condition":{"NumericLessThanEquals":{"glacier:ArchiveAgeinDays":"365"}}}]}`
	retentionLock       = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "deny-based-on-archive-age",
    "Principal": "*",
    "Effect": "Deny",
    "Action": "glacier:DeleteArchive",
    "Resource": ["arn:aws:glacier:us-west-2:123456789012:vaults/examplevault"],
    "Condition": {"NumericLessThan": {"glacier:ArchiveAgeInDays": "365"}}
  }]
}`
)

func TestParseValid(t *testing.T) {
	docs := map[string]string{
		"access example":                      exampleAccessPolicy,
		"lock example":                        exampleLockPolicy,
		"retention lock":                      retentionLock,
		"single statement object, no Version": `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
		"2008 version and Id":                 `{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"glacier:*","Resource":"*"}}`,
		"lists everywhere": `{"Statement":[{"Sid":"a","Effect":"Deny",
			"Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice","arn:aws:sts::111122223333:assumed-role/r/s"]},
			"NotAction":["glacier:Upload*","glacier:?nitiateJob"],
			"NotResource":["arn:aws:glacier:*:*:vaults/keep-*"],
			"Condition":{
				"StringLikeIfExists":{"glacier:ResourceTag/Env":["prod","stag?"]},
				"NumericGreaterThan":{"glacier:ArchiveAgeInDays":[1, "2.5", -3]},
				"DateLessThan":{"aws:CurrentTime":["2030-01-01T00:00:00Z", 1900000000, "2030-01-01", "20300101T000000Z", "2030-01-01T00:00:00.5+01:00", "2030-01-01T00:00:00", "2030-01-01T00:00Z"]},
				"Bool":{"aws:SecureTransport":[true,"FALSE"]},
				"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"},
				"Null":{"glacier:ArchiveAgeInDays":false},
				"StringEquals":{"AWS:PRINCIPALACCOUNT":"111122223333","aws:CurrentTime":"x","aws:SecureTransport":"true"}
			}}]}`,
		"empty Condition": `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{}}}`,
		"empty Sid":       `{"Statement":{"Sid":"","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
		"exactly MaxSize": padTo(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, MaxSize),
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(doc); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

// padTo pads doc with trailing spaces to n bytes.
func padTo(doc string, n int) string { return doc + strings.Repeat(" ", n-len(doc)) }

// stmt builds a one-statement policy whose statement has the given extra
// members (JSON text without braces) after a fixed Sid.
func stmt(members string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"sid1",` + members + `}]}`
}

// base is a valid statement body; tests append or replace parts of it.
const base = `"Effect":"Allow","Principal":"*","Action":"glacier:*","Resource":"*"`

func cond(c string) string { return stmt(base + `,"Condition":` + c) }

func TestParseErrors(t *testing.T) {
	tooBig := padTo(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, MaxSize+1)
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "document is empty"},
		{"blank", " \n\t", "document is empty"},
		{"not JSON", "not json", "malformed JSON at byte"},
		{"truncated", `{"Statement":`, "unexpected end of JSON input"},
		{"trailing data", `{"Statement":{}} {}`, "unexpected data after the top-level value"},
		{"array", `[1,2]`, "document is an array, not a JSON object"},
		{"string", `"x"`, "document is a string, not a JSON object"},
		{"too big", tooBig, "document is 20481 bytes, more than the limit of 20480 bytes"},
		{"duplicate key", stmt(base + `,"Effect":"Deny"`), `duplicate key "Effect"`},
		{"bad Version", `{"Version":"2010-01-01","Statement":{}}`, `Version "2010-01-01" is not supported`},
		{"numeric Version", `{"Version":2012,"Statement":{}}`, `Version 2012 is not supported`},
		{"Id not string", `{"Id":1,"Statement":{}}`, "Id is a number, not a string"},
		{"unknown top-level", `{"Statement":{},"Foo":1}`, `unsupported top-level element "Foo"`},
		{"missing Statement", `{"Version":"2012-10-17"}`, "missing Statement"},
		{"empty Statement", `{"Statement":[]}`, "Statement is an empty list"},
		{"Statement string", `{"Statement":"x"}`, "Statement is a string, not an object or a list"},
		{"statement not object", `{"Statement":[1]}`, "statement 1 is a number, not an object"},
		{"unnamed statement", `{"Statement":[{` + base + `},{"Principal":"*"}]}`, "statement 2 has no Effect"},
		{"Sid not string", `{"Statement":{"Sid":5}}`, "Sid of statement 1 is a number, not a string"},
		{"unknown element", stmt(base + `,"Effect2":"x"`), `unsupported element "Effect2" in statement "sid1"`},
		{"missing Effect", stmt(`"Principal":"*","Action":"*","Resource":"*"`), `statement "sid1" has no Effect`},
		{"bad Effect", stmt(`"Effect":"allow","Principal":"*","Action":"*","Resource":"*"`), `Effect "allow" in statement "sid1" must be "Allow" or "Deny"`},
		{"Effect not string", stmt(`"Effect":true,"Principal":"*","Action":"*","Resource":"*"`), `Effect true in statement "sid1"`},
		{"missing Principal", stmt(`"Effect":"Allow","Action":"*","Resource":"*"`), `statement "sid1" has no Principal`},
		{"NotPrincipal", stmt(base + `,"NotPrincipal":{"AWS":"111122223333"}`), `NotPrincipal in statement "sid1" is not supported`},
		{"Principal string", stmt(`"Effect":"Allow","Principal":"bob","Action":"*","Resource":"*"`), `Principal "bob" in statement "sid1" must be "*"`},
		{"Principal number", stmt(`"Effect":"Allow","Principal":1,"Action":"*","Resource":"*"`), `Principal in statement "sid1" is a number`},
		{"Principal empty", stmt(`"Effect":"Allow","Principal":{},"Action":"*","Resource":"*"`), `Principal in statement "sid1" is an empty object`},
		{"Principal Service", stmt(`"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"*","Resource":"*"`), `unsupported principal type "Service" in statement "sid1"`},
		{"Principal empty list", stmt(`"Effect":"Allow","Principal":{"AWS":[]},"Action":"*","Resource":"*"`), `Principal in statement "sid1" is an empty list`},
		{"Principal wildcard", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"*","Resource":"*"`), `principal "arn:aws:iam::111122223333:user/*" in statement "sid1" contains a wildcard`},
		{"Principal bad", stmt(`"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"*","Resource":"*"`), `principal "alice" in statement "sid1" is not an account ID or an IAM or STS ARN`},
		{"Principal s3 arn", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:s3:::bucket"},"Action":"*","Resource":"*"`), `principal "arn:aws:s3:::bucket"`},
		{"Action and NotAction", stmt(base + `,"NotAction":"*"`), `statement "sid1" has both Action and NotAction`},
		{"no Action", stmt(`"Effect":"Allow","Principal":"*","Resource":"*"`), `statement "sid1" has neither Action nor NotAction`},
		{"Action number", stmt(`"Effect":"Allow","Principal":"*","Action":5,"Resource":"*"`), `Action in statement "sid1" is a number, not a string or a list of strings`},
		{"Action list of numbers", stmt(`"Effect":"Allow","Principal":"*","Action":[5],"Resource":"*"`), `Action in statement "sid1" contains a number, not a string`},
		{"Action empty list", stmt(`"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"`), `Action in statement "sid1" is an empty list`},
		{"Action empty string", stmt(`"Effect":"Allow","Principal":"*","Action":"","Resource":"*"`), `Action in statement "sid1" contains an empty string`},
		{"Action no service", stmt(`"Effect":"Allow","Principal":"*","Action":"DeleteArchive","Resource":"*"`), `Action "DeleteArchive" in statement "sid1": is not "*" or "glacier:Action"`},
		{"Action other service", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"`), `Action "s3:GetObject" in statement "sid1": is not a glacier action`},
		{"Action unknown", stmt(`"Effect":"Allow","Principal":"*","Action":"glacier:DeleteArchiv","Resource":"*"`), `Action "glacier:DeleteArchiv" in statement "sid1": is not a known Glacier action`},
		{"NotAction unknown", stmt(`"Effect":"Allow","Principal":"*","NotAction":["glacier:Get*","glacier:Nope"],"Resource":"*"`), `NotAction "glacier:Nope"`},
		{"Resource and NotResource", stmt(base + `,"NotResource":"*"`), `statement "sid1" has both Resource and NotResource`},
		{"no Resource", stmt(`"Effect":"Allow","Principal":"*","Action":"*"`), `statement "sid1" has neither Resource nor NotResource`},
		{"Resource not ARN", stmt(`"Effect":"Allow","Principal":"*","Action":"*","Resource":"examplevault"`), `Resource "examplevault" in statement "sid1" is not "*" or an ARN`},
		{"Resource short ARN", stmt(`"Effect":"Allow","Principal":"*","Action":"*","NotResource":["arn:aws:glacier"]`), `NotResource "arn:aws:glacier" in statement "sid1"`},
		{"Condition not object", cond(`[]`), `Condition in statement "sid1" is an array, not an object`},
		{"unknown operator", cond(`{"StringFoo":{"aws:PrincipalAccount":"1"}}`), `Policy: unsupported condition operator "StringFoo" in statement "sid1"`},
		{"NullIfExists", cond(`{"NullIfExists":{"aws:PrincipalAccount":"true"}}`), `unsupported condition operator "NullIfExists"`},
		{"IpAddress", cond(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`), `unsupported condition operator "IpAddress"`},
		{"operator case", cond(`{"stringequals":{"aws:PrincipalAccount":"1"}}`), `unsupported condition operator "stringequals"`},
		{"ForAnyValue", cond(`{"ForAnyValue:StringEquals":{"aws:PrincipalAccount":"1"}}`), `condition set operator "ForAnyValue:StringEquals" in statement "sid1" is not supported`},
		{"ForAllValues", cond(`{"ForAllValues:StringLike":{"aws:PrincipalAccount":"1"}}`), `condition set operator "ForAllValues:StringLike"`},
		{"operator block not object", cond(`{"StringEquals":"x"}`), `condition operator "StringEquals" in statement "sid1" maps to a string, not an object of keys`},
		{"operator block empty", cond(`{"StringEquals":{}}`), `condition operator "StringEquals" in statement "sid1" has no keys`},
		{"unknown key", cond(`{"StringEquals":{"aws:SourceIp":"1"}}`), `unsupported condition key "aws:SourceIp" in statement "sid1"`},
		{"empty tag key", cond(`{"StringEquals":{"glacier:ResourceTag/":"1"}}`), `unsupported condition key "glacier:ResourceTag/"`},
		{"aws:ResourceTag", cond(`{"StringEquals":{"aws:ResourceTag/Env":"1"}}`), `unsupported condition key "aws:ResourceTag/Env"`},
		{"numeric on arn key", cond(`{"NumericLessThan":{"aws:PrincipalArn":"1"}}`), `condition operator "NumericLessThan" cannot be used with key "aws:PrincipalArn" in statement "sid1"`},
		{"date on numeric key", cond(`{"DateEquals":{"glacier:ArchiveAgeInDays":"1"}}`), `condition operator "DateEquals" cannot be used with key "glacier:ArchiveAgeInDays"`},
		{"bool on tag", cond(`{"Bool":{"glacier:ResourceTag/x":"true"}}`), `condition operator "Bool" cannot be used with key "glacier:ResourceTag/x"`},
		{"arn on account", cond(`{"ArnLike":{"aws:PrincipalAccount":"arn:a:b:c:d:e"}}`), `condition operator "ArnLike" cannot be used with key "aws:PrincipalAccount"`},
		{"bad number", cond(`{"NumericLessThan":{"glacier:ArchiveAgeInDays":"abc"}}`), `value "abc" of condition key "glacier:ArchiveAgeInDays" for operator "NumericLessThan" in statement "sid1" is not a decimal number`},
		{"exponent", cond(`{"NumericLessThan":{"glacier:ArchiveAgeInDays":1e3}}`), `value "1e3" of condition key "glacier:ArchiveAgeInDays"`},
		{"number out of range", cond(`{"NumericLessThan":{"glacier:ArchiveAgeInDays":"1` + strings.Repeat("0", 400) + `"}}`), `is not a decimal number`},
		{"bad number in list", cond(`{"NumericEquals":{"glacier:ArchiveAgeInDays":["1","1.","2"]}}`), `value "1." of condition key`},
		{"bad date", cond(`{"DateLessThan":{"aws:CurrentTime":"yesterday"}}`), `value "yesterday" of condition key "aws:CurrentTime" for operator "DateLessThan" in statement "sid1" is not an ISO 8601 date or epoch seconds`},
		{"huge epoch", cond(`{"DateLessThan":{"aws:CurrentTime":99999999999999999999}}`), `value "99999999999999999999" of condition key "aws:CurrentTime"`},
		{"bad bool", cond(`{"Bool":{"aws:SecureTransport":"yes"}}`), `value "yes" of condition key "aws:SecureTransport" for operator "Bool" in statement "sid1" is not "true" or "false"`},
		{"bad null", cond(`{"Null":{"glacier:ArchiveAgeInDays":"maybe"}}`), `value "maybe" of condition key "glacier:ArchiveAgeInDays" for operator "Null"`},
		{"bad arn", cond(`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::user"}}`), `value "arn:aws:iam::user" of condition key "aws:PrincipalArn" for operator "ArnLike" in statement "sid1" is not an ARN`},
		{"empty values", cond(`{"StringEquals":{"aws:PrincipalAccount":[]}}`), `values of condition key "aws:PrincipalAccount" for operator "StringEquals" in statement "sid1": empty list`},
		{"null value", cond(`{"StringEquals":{"aws:PrincipalAccount":null}}`), `values of condition key "aws:PrincipalAccount" for operator "StringEquals" in statement "sid1": null is not a string, number or boolean`},
		{"object value", cond(`{"StringEquals":{"aws:PrincipalAccount":[{}]}}`), `an object is not a string, number or boolean`},
		{"duplicate operator", cond(`{"StringEquals":{"aws:PrincipalAccount":"1"},"StringEquals":{"aws:PrincipalArn":"1"}}`), `duplicate key "StringEquals"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse succeeded (%v), want error containing %q", p, tt.want)
			}
			var fe *firn.Error
			if !errors.As(err, &fe) || fe.Code != firn.CodeInvalidParameterValue {
				t.Fatalf("error %v is not an InvalidParameterValueException *firn.Error", err)
			}
			if !strings.HasPrefix(fe.Message, "Policy: ") || !strings.Contains(fe.Message, tt.want) {
				t.Fatalf("message %q, want it to contain %q", fe.Message, tt.want)
			}
		})
	}
}
