package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

// FuzzParse checks that Parse never panics, that every rejection is an
// InvalidParameterValueException naming the policy, and that an accepted
// policy evaluates any request without panicking, deterministically.
func FuzzParse(f *testing.F) {
	seeds := []string{
		exampleAccessPolicy,
		exampleLockPolicy,
		retentionLock,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
		cond(`{"StringLike":{"glacier:ResourceTag/Env":["p*","?"]},"ArnNotLike":{"aws:PrincipalArn":"arn:*:iam::*:*"}}`),
		cond(`{"DateLessThanIfExists":{"aws:CurrentTime":[1700000000,"2030-01-01"]},"Bool":{"aws:SecureTransport":false}}`),
		cond(`{"Null":{"glacier:ArchiveAgeInDays":"true"},"NumericNotEquals":{"glacier:ArchiveAgeInDays":[1.5,"-2"]}}`),
		`{"Statement":[{"Effect":"Deny","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/a"]},"NotAction":"glacier:Get*","NotResource":"arn:aws:glacier:*:*:vaults/x?"}]}`,
		`{"Statement":[]}`,
		`{"Statement":{"Effect":"Allow","Effect":"Deny"}}`,
		`[`,
		"",
	}
	for i, s := range seeds {
		f.Add(s, "glacier:DeleteArchive", "arn:aws:iam::111122223333:user/a", int64(i*50), i%2 == 0, "Env", "prod")
	}
	f.Fuzz(func(t *testing.T, doc, action, principal string, ageDays int64, secure bool, tagKey, tagValue string) {
		p, err := Parse(doc)
		if err != nil {
			var fe *firn.Error
			if !errors.As(err, &fe) || fe.Code != firn.CodeInvalidParameterValue {
				t.Fatalf("Parse error %v is not an InvalidParameterValueException", err)
			}
			if !strings.HasPrefix(fe.Message, "Policy: ") {
				t.Fatalf("message %q does not start with %q", fe.Message, "Policy: ")
			}
			return
		}
		if len(doc) > MaxSize {
			t.Fatalf("Parse accepted a %d-byte document", len(doc))
		}
		r := Request{
			Action:           action,
			Resource:         "arn:aws:glacier:us-east-1:111122223333:vaults/v",
			Principal:        principal,
			Now:              time.Unix(ageDays, 0),
			SecureTransport:  secure,
			ArchiveAgeInDays: &ageDays,
			ResourceTags:     map[string]string{tagKey: tagValue},
		}
		d := p.Evaluate(r)
		if d != NoMatch && d != Allow && d != Deny {
			t.Fatalf("Evaluate = %d", int(d))
		}
		if again := p.Evaluate(r); again != d {
			t.Fatalf("Evaluate not deterministic: %v then %v", d, again)
		}
		if err := Authorize(r, "111122223333", p, p); err != nil && firn.CodeOf(err) != firn.CodeAccessDenied {
			t.Fatalf("Authorize error %v is not an AccessDeniedException", err)
		}
		if d == Deny && Authorize(r, "111122223333", nil, p) == nil {
			t.Fatalf("Authorize allowed a request the access policy denies")
		}
	})
}
