package policy

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

const (
	owner    = "111122223333"
	other    = "444455556666"
	vaultARN = "arn:aws:glacier:us-east-1:111122223333:vaults/v"
	alice    = "arn:aws:iam::111122223333:user/alice"
	bob      = "arn:aws:iam::111122223333:user/bob"
	carol    = "arn:aws:iam::444455556666:user/carol"
)

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func age(n int64) *int64 { return &n }

// request is alice deleting an archive 100 days old from the owner's vault.
func request() Request {
	return Request{
		Action:           "glacier:DeleteArchive",
		Resource:         vaultARN,
		Principal:        alice,
		PrincipalAccount: owner,
		Now:              now,
		SecureTransport:  true,
		ArchiveAgeInDays: age(100),
		ResourceTags:     map[string]string{"Env": "prod", "Team": "Archive"},
	}
}

// requestWith is request() changed by change, if not nil.
func requestWith(change func(*Request)) Request {
	r := request()
	if change != nil {
		change(&r)
	}
	return r
}

// wantAllowed checks that a policy of one Allow statement with members
// (JSON text without braces) allows requestWith(change) if want, and does
// not match it otherwise.
func wantAllowed(t *testing.T, members string, change func(*Request), want bool) {
	t.Helper()
	p := mustParse(t, stmt(`"Effect":"Allow",`+members))
	w := NoMatch
	if want {
		w = Allow
	}
	if got := p.Evaluate(requestWith(change)); got != w {
		t.Fatalf("Evaluate = %v, want %v", got, w)
	}
}

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// TestConditions evaluates an Allow statement that applies to everything
// but one condition block: Allow means the condition held.
func TestConditions(t *testing.T) {
	noAge := func(r *Request) { r.ArchiveAgeInDays = nil }
	noTime := func(r *Request) { r.Now = time.Time{} }
	insecure := func(r *Request) { r.SecureTransport = false }
	anonymous := func(r *Request) { r.Principal, r.PrincipalAccount = "", "" }
	tests := []struct {
		cond   string
		change func(*Request)
		want   bool
	}{
		// String operators.
		{`{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`, nil, true},
		{`{"StringEquals":{"aws:PrincipalAccount":"444455556666"}}`, nil, false},
		{`{"StringEquals":{"aws:PrincipalAccount":["444455556666","111122223333"]}}`, nil, true},
		{`{"StringEquals":{"aws:PrincipalAccount":111122223333}}`, nil, true},
		{`{"StringEquals":{"AWS:principalACCOUNT":"111122223333"}}`, nil, true},
		{`{"StringNotEquals":{"aws:PrincipalAccount":"444455556666"}}`, nil, true},
		{`{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}`, nil, false},
		{`{"StringNotEquals":{"aws:PrincipalAccount":["444455556666","111122223333"]}}`, nil, false},
		{`{"StringEquals":{"glacier:ResourceTag/Env":"prod"}}`, nil, true},
		{`{"StringEquals":{"glacier:ResourceTag/Env":"Prod"}}`, nil, false},
		{`{"StringEquals":{"glacier:resourcetag/env":"prod"}}`, nil, true},
		{`{"StringEqualsIgnoreCase":{"glacier:ResourceTag/Env":"PROD"}}`, nil, true},
		{`{"StringEqualsIgnoreCase":{"glacier:ResourceTag/Env":"dev"}}`, nil, false},
		{`{"StringNotEqualsIgnoreCase":{"glacier:ResourceTag/Env":"PROD"}}`, nil, false},
		{`{"StringNotEqualsIgnoreCase":{"glacier:ResourceTag/Env":"dev"}}`, nil, true},
		{`{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/a*"}}`, nil, true},
		{`{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/?lice"}}`, nil, true},
		{`{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}}`, nil, false},
		{`{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/A*"}}`, nil, false},
		{`{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}}`, nil, true},
		{`{"StringNotLike":{"aws:PrincipalArn":["*/b*","*/a*"]}}`, nil, false},
		{`{"StringEquals":{"glacier:ArchiveAgeInDays":"100"}}`, nil, true},
		{`{"StringLike":{"aws:CurrentTime":"2024-06-01T*Z"}}`, nil, true},
		{`{"StringEquals":{"aws:SecureTransport":"true"}}`, nil, true},
		// A missing key: positive false, negated true, IfExists true.
		{`{"StringEquals":{"glacier:ResourceTag/Missing":"x"}}`, nil, false},
		{`{"StringLike":{"glacier:ResourceTag/Missing":"*"}}`, nil, false},
		{`{"StringNotEquals":{"glacier:ResourceTag/Missing":"x"}}`, nil, true},
		{`{"StringNotLike":{"glacier:ResourceTag/Missing":"*"}}`, nil, true},
		{`{"StringEqualsIfExists":{"glacier:ResourceTag/Missing":"x"}}`, nil, true},
		{`{"StringEqualsIfExists":{"glacier:ResourceTag/Env":"dev"}}`, nil, false},
		{`{"StringEqualsIfExists":{"glacier:ResourceTag/Env":"prod"}}`, nil, true},
		{`{"StringNotEqualsIfExists":{"glacier:ResourceTag/Env":"prod"}}`, nil, false},
		{`{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`, anonymous, false},

		// Numeric operators on glacier:ArchiveAgeInDays = 100.
		{`{"NumericEquals":{"glacier:ArchiveAgeInDays":100}}`, nil, true},
		{`{"NumericEquals":{"glacier:ArchiveAgeInDays":"100.0"}}`, nil, true},
		{`{"NumericEquals":{"glacier:ArchiveAgeInDays":"101"}}`, nil, false},
		{`{"NumericEquals":{"glacier:ArchiveAgeInDays":["1","100"]}}`, nil, true},
		{`{"NumericNotEquals":{"glacier:ArchiveAgeInDays":"101"}}`, nil, true},
		{`{"NumericNotEquals":{"glacier:ArchiveAgeInDays":"100"}}`, nil, false},
		{`{"NumericNotEquals":{"glacier:ArchiveAgeInDays":["101","100"]}}`, nil, false},
		{`{"NumericLessThan":{"glacier:ArchiveAgeInDays":"101"}}`, nil, true},
		{`{"NumericLessThan":{"glacier:ArchiveAgeInDays":"100"}}`, nil, false},
		{`{"NumericLessThanEquals":{"glacier:ArchiveAgeInDays":"100"}}`, nil, true},
		{`{"NumericLessThanEquals":{"glacier:ArchiveAgeInDays":"99"}}`, nil, false},
		{`{"NumericGreaterThan":{"glacier:ArchiveAgeInDays":"99.5"}}`, nil, true},
		{`{"NumericGreaterThan":{"glacier:ArchiveAgeInDays":"100"}}`, nil, false},
		{`{"NumericGreaterThanEquals":{"glacier:ArchiveAgeInDays":"100"}}`, nil, true},
		{`{"NumericGreaterThanEquals":{"glacier:ArchiveAgeInDays":"-101"}}`, nil, true},
		{`{"NumericGreaterThanEquals":{"glacier:ArchiveAgeInDays":"101"}}`, nil, false},
		{`{"NumericLessThan":{"glacier:ArchiveAgeInDays":"365"}}`, noAge, false},
		{`{"NumericNotEquals":{"glacier:ArchiveAgeInDays":"365"}}`, noAge, true},
		{`{"NumericLessThanIfExists":{"glacier:ArchiveAgeInDays":"365"}}`, noAge, true},
		{`{"NumericLessThanIfExists":{"glacier:ArchiveAgeInDays":"50"}}`, nil, false},

		// Date operators on aws:CurrentTime = 2024-06-01T12:00:00Z.
		{`{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, true},
		{`{"DateEquals":{"aws:CurrentTime":"2024-06-01T14:00:00+02:00"}}`, nil, true},
		{`{"DateEquals":{"aws:CurrentTime":1717243200}}`, nil, true},
		{`{"DateEquals":{"aws:CurrentTime":"20240601T120000Z"}}`, nil, true},
		{`{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, func(r *Request) { r.Now = r.Now.Add(999 * time.Millisecond) }, true},
		{`{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:01Z"}}`, nil, false},
		{`{"DateNotEquals":{"aws:CurrentTime":"2024-06-01T12:00:01Z"}}`, nil, true},
		{`{"DateNotEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, false},
		{`{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}`, nil, true},
		{`{"DateLessThan":{"aws:CurrentTime":"2024-06-01"}}`, nil, false},
		{`{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00"}}`, nil, true},
		{`{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01T11:59:59Z"}}`, nil, false},
		{`{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01"}}`, nil, true},
		{`{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, false},
		{`{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, true},
		{`{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:01Z"}}`, nil, false},
		{`{"DateLessThan":{"aws:CurrentTime":"2025-01-01"}}`, noTime, false},
		{`{"DateLessThanIfExists":{"aws:CurrentTime":"2025-01-01"}}`, noTime, true},
		{`{"DateGreaterThanIfExists":{"aws:CurrentTime":"2025-01-01"}}`, nil, false},

		// Bool on aws:SecureTransport.
		{`{"Bool":{"aws:SecureTransport":"true"}}`, nil, true},
		{`{"Bool":{"aws:SecureTransport":true}}`, nil, true},
		{`{"Bool":{"aws:SecureTransport":"TRUE"}}`, nil, true},
		{`{"Bool":{"aws:SecureTransport":"false"}}`, nil, false},
		{`{"Bool":{"aws:SecureTransport":"false"}}`, insecure, true},
		{`{"BoolIfExists":{"aws:SecureTransport":"false"}}`, nil, false},

		// Arn operators on aws:PrincipalArn, field by field.
		{`{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}`, nil, true},
		{`{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}}`, nil, false},
		{`{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}`, nil, true},
		{`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}`, nil, true},
		{`{"ArnLike":{"aws:PrincipalArn":"arn:*:iam::*:*"}}`, nil, true},
		{`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, nil, false},
		{`{"ArnLike":{"aws:PrincipalArn":"arn:aws:sts::*:*"}}`, nil, false},
		{`{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}}`, nil, true},
		{`{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}`, nil, false},
		{`{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, nil, true},
		{`{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/*","arn:aws:iam::*:user/*"]}}`, nil, false},
		{`{"ArnLike":{"aws:PrincipalArn":"arn:*:*:*:*:*"}}`, anonymous, false},
		{`{"ArnNotLike":{"aws:PrincipalArn":"arn:*:*:*:*:*"}}`, anonymous, true},
		{`{"ArnLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, anonymous, true},

		// Null tests presence.
		{`{"Null":{"glacier:ArchiveAgeInDays":"true"}}`, noAge, true},
		{`{"Null":{"glacier:ArchiveAgeInDays":"true"}}`, nil, false},
		{`{"Null":{"glacier:ArchiveAgeInDays":false}}`, nil, true},
		{`{"Null":{"glacier:ArchiveAgeInDays":"false"}}`, noAge, false},
		{`{"Null":{"glacier:ResourceTag/Missing":"true"}}`, nil, true},
		{`{"Null":{"glacier:ResourceTag/Team":"true"}}`, nil, false},
		{`{"Null":{"aws:CurrentTime":"true"}}`, noTime, true},
		{`{"Null":{"aws:SecureTransport":"true"}}`, nil, false},
		{`{"Null":{"aws:PrincipalAccount":["true","false"]}}`, nil, true},

		// All operators and all keys must hold.
		{`{"StringEquals":{"aws:PrincipalAccount":"111122223333","glacier:ResourceTag/Env":"prod"}}`, nil, true},
		{`{"StringEquals":{"aws:PrincipalAccount":"111122223333","glacier:ResourceTag/Env":"dev"}}`, nil, false},
		{`{"StringEquals":{"aws:PrincipalAccount":"111122223333"},"Bool":{"aws:SecureTransport":"true"}}`, nil, true},
		{`{"StringEquals":{"aws:PrincipalAccount":"111122223333"},"Bool":{"aws:SecureTransport":"true"}}`, insecure, false},
	}
	for _, tt := range tests {
		name := tt.cond
		if tt.change != nil {
			name += " (changed request)"
		}
		t.Run(name, func(t *testing.T) {
			wantAllowed(t, `"Principal":"*","Action":"*","Resource":"*","Condition":`+tt.cond, tt.change, tt.want)
		})
	}
}

func TestResourceTagCaseInsensitiveKey(t *testing.T) {
	p := mustParse(t, cond(`{"StringEquals":{"glacier:ResourceTag/env":"exact"}}`))
	r := request()
	r.ResourceTags = map[string]string{"ENV": "upper", "Env": "title", "env": "exact"}
	if got := p.Evaluate(r); got != Allow {
		t.Errorf("exact-case tag: Evaluate = %v, want Allow", got)
	}
	delete(r.ResourceTags, "env")
	for range 10 { // the fallback must not depend on map order
		if got := p.Evaluate(r); got != NoMatch {
			t.Fatalf("no exact-case tag: Evaluate = %v, want NoMatch", got)
		}
	}
	p = mustParse(t, cond(`{"StringEquals":{"glacier:ResourceTag/env":"upper"}}`))
	if got := p.Evaluate(r); got != Allow {
		t.Errorf("smallest key ENV: Evaluate = %v, want Allow", got)
	}
}

// TestStatementMatching covers Principal, Action, NotAction, Resource and
// NotResource for alice's DeleteArchive on vault v.
func TestStatementMatching(t *testing.T) {
	const all = `"Principal":"*","Action":"*","Resource":"*"`
	tests := []struct {
		name, members string
		change        func(*Request)
		want          bool
	}{
		{"everything", all, nil, true},
		{"principal AWS *", `"Principal":{"AWS":"*"},"Action":"*","Resource":"*"`, nil, true},
		{"principal account", `"Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"`, nil, true},
		{"principal root ARN", `"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"`, nil, true},
		{"principal exact ARN", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"*","Resource":"*"`, nil, true},
		{"principal other user", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"*","Resource":"*"`, nil, false},
		{"principal other account", `"Principal":{"AWS":"444455556666"},"Action":"*","Resource":"*"`, nil, false},
		{"principal other root", `"Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"*","Resource":"*"`, nil, false},
		{"principal list", `"Principal":{"AWS":["444455556666","arn:aws:iam::111122223333:user/alice"]},"Action":"*","Resource":"*"`, nil, true},
		{"principal ARN is case-sensitive", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/Alice"},"Action":"*","Resource":"*"`, nil, false},
		{"principal account from ARN", `"Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"`, func(r *Request) { r.PrincipalAccount = "" }, true},
		{"principal root from account", `"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"`, func(r *Request) { r.Principal = "" }, true},
		{"anonymous matches only *", `"Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"`, func(r *Request) { r.Principal, r.PrincipalAccount = "", "" }, false},

		{"action exact", `"Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"`, nil, true},
		{"action case-insensitive", `"Principal":"*","Action":"GLACIER:deletearchive","Resource":"*"`, nil, true},
		{"action prefix wildcard", `"Principal":"*","Action":"glacier:Delete*","Resource":"*"`, nil, true},
		{"action ? wildcard", `"Principal":"*","Action":"glacier:?eleteArchive","Resource":"*"`, nil, true},
		{"action service wildcard", `"Principal":"*","Action":"glacier:*","Resource":"*"`, nil, true},
		{"action other", `"Principal":"*","Action":"glacier:UploadArchive","Resource":"*"`, nil, false},
		{"action wildcard other", `"Principal":"*","Action":"glacier:Delete*","Resource":"*"`, func(r *Request) { r.Action = "glacier:UploadArchive" }, false},
		{"action list", `"Principal":"*","Action":["glacier:UploadArchive","glacier:DeleteArchive"],"Resource":"*"`, nil, true},
		{"NotAction excludes", `"Principal":"*","NotAction":"glacier:Delete*","Resource":"*"`, nil, false},
		{"NotAction includes others", `"Principal":"*","NotAction":"glacier:Delete*","Resource":"*"`, func(r *Request) { r.Action = "glacier:UploadArchive" }, true},
		{"NotAction list", `"Principal":"*","NotAction":["glacier:Upload*","glacier:DeleteArchive"],"Resource":"*"`, nil, false},

		{"resource exact", `"Principal":"*","Action":"*","Resource":"arn:aws:glacier:us-east-1:111122223333:vaults/v"`, nil, true},
		{"resource wildcards", `"Principal":"*","Action":"*","Resource":"arn:aws:glacier:*:111122223333:vaults/*"`, nil, true},
		{"resource ?", `"Principal":"*","Action":"*","Resource":"arn:aws:glacier:us-east-?:111122223333:vaults/?"`, nil, true},
		{"resource case-sensitive", `"Principal":"*","Action":"*","Resource":"arn:aws:glacier:us-east-1:111122223333:vaults/V"`, nil, false},
		{"resource other vault", `"Principal":"*","Action":"*","Resource":"arn:aws:glacier:us-east-1:111122223333:vaults/v2"`, nil, false},
		{"resource list", `"Principal":"*","Action":"*","Resource":["arn:aws:glacier:*:*:vaults/x","arn:aws:glacier:*:*:vaults/v"]`, nil, true},
		{"NotResource excludes", `"Principal":"*","Action":"*","NotResource":"arn:aws:glacier:*:*:vaults/v"`, nil, false},
		{"NotResource includes others", `"Principal":"*","Action":"*","NotResource":"arn:aws:glacier:*:*:vaults/keep-*"`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantAllowed(t, tt.members, tt.change, tt.want) })
	}
}

func TestDenyOverAllow(t *testing.T) {
	allow := `{"Effect":"Allow","Principal":"*","Action":"glacier:*","Resource":"*"}`
	deny := `{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"glacier:DeleteArchive","Resource":"*"}`
	for _, doc := range []string{
		`{"Statement":[` + allow + `,` + deny + `]}`,
		`{"Statement":[` + deny + `,` + allow + `]}`,
	} {
		p := mustParse(t, doc)
		if got := p.Evaluate(request()); got != Deny {
			t.Errorf("%s: DeleteArchive = %v, want Deny", doc, got)
		}
		r := request()
		r.Action = "glacier:UploadArchive"
		if got := p.Evaluate(r); got != Allow {
			t.Errorf("%s: UploadArchive = %v, want Allow", doc, got)
		}
		r = request()
		r.Principal, r.PrincipalAccount = carol, other
		if got := p.Evaluate(r); got != Allow {
			t.Errorf("%s: DeleteArchive by another account = %v, want Allow", doc, got)
		}
	}
	var nilPolicy *Policy
	if got := nilPolicy.Evaluate(request()); got != NoMatch {
		t.Errorf("nil policy: Evaluate = %v, want NoMatch", got)
	}
}

func TestAuthorize(t *testing.T) {
	allowCarol := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"glacier:*","Resource":"*"}}`)
	allowAll := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`)
	denyDelete := mustParse(t, `{"Statement":{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}}`)
	denyOwnerRoot := mustParse(t, `{"Statement":{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}}`)

	asOwnerRoot := func(r *Request) { r.Principal, r.PrincipalAccount = "", "" }
	asBob := func(r *Request) { r.Principal, r.PrincipalAccount = bob, "" }
	asCarol := func(r *Request) { r.Principal, r.PrincipalAccount = carol, "" }
	upload := func(r *Request) { r.Action = "glacier:UploadArchive" }

	const (
		explicit = "with an explicit deny in a resource-based policy"
		noAllow  = "because no resource-based policy allows the glacier:DeleteArchive action"
	)
	tests := []struct {
		name         string
		lock, access *Policy
		change       func(*Request)
		want         string // "" for allowed, else a substring of the message
	}{
		{"owner root, no policies", nil, nil, asOwnerRoot, ""},
		{"owner user, no policies", nil, nil, nil, ""},
		{"cross-account, no policies", nil, nil, asCarol, "User: arn:aws:iam::444455556666:user/carol is not authorized to perform: glacier:DeleteArchive on resource: " + vaultARN + " " + noAllow},
		{"cross-account, access Allow", nil, allowCarol, asCarol, ""},
		{"cross-account, lock Allow", allowCarol, nil, asCarol, ""},
		{"cross-account, Allow for someone else", nil, allowCarol, func(r *Request) { r.Principal, r.PrincipalAccount = "arn:aws:iam::777788889999:user/dave", "" }, noAllow},
		{"owner root, access Deny", nil, denyDelete, asOwnerRoot, "User: arn:aws:iam::111122223333:root is not authorized to perform: glacier:DeleteArchive on resource: " + vaultARN + " " + explicit},
		{"owner root, lock Deny", denyDelete, nil, asOwnerRoot, explicit},
		{"owner user, lock Deny", denyDelete, allowAll, nil, explicit},
		{"cross-account, lock Deny beats access Allow", denyDelete, allowCarol, asCarol, explicit},
		{"cross-account, access Deny beats lock Allow", allowAll, denyDelete, asCarol, explicit},
		{"Deny of another action", denyDelete, nil, upload, ""},
		{"Deny of owner root covers the account's users", nil, denyOwnerRoot, asBob, explicit},
		{"Deny of owner root does not cover others", nil, denyOwnerRoot, func(r *Request) { asCarol(r); upload(r) }, "because no resource-based policy allows the glacier:UploadArchive action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Authorize(requestWith(tt.change), owner, tt.lock, tt.access)
			checkAuthorize(t, err, tt.want)
		})
	}
}

func checkAuthorize(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("Authorize: %v, want allowed", err)
		}
		return
	}
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != firn.CodeAccessDenied {
		t.Fatalf("Authorize = %v, want an AccessDeniedException", err)
	}
	if !strings.Contains(fe.Message, want) {
		t.Fatalf("message %q, want it to contain %q", fe.Message, want)
	}
	if !errors.Is(err, firn.ErrAccessDenied) {
		t.Fatalf("errors.Is(%v, ErrAccessDenied) = false", err)
	}
}

// TestRetentionLock is the developer guide's vault lock: deny deleting
// archives younger than 365 days, to everyone.
func TestRetentionLock(t *testing.T) {
	lock := mustParse(t, retentionLock)
	r := request()
	r.Resource = "arn:aws:glacier:us-west-2:123456789012:vaults/examplevault"
	r.Principal, r.PrincipalAccount = "", ""
	for _, tt := range []struct {
		name string
		age  *int64
		want string
	}{
		{"age 0", age(0), "explicit deny"},
		{"age 364", age(364), "explicit deny"},
		{"age 365", age(365), ""},
		{"age 3650", age(3650), ""},
		{"not an archive operation", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := r
			r.ArchiveAgeInDays = tt.age
			checkAuthorize(t, Authorize(r, "123456789012", lock, nil), tt.want)
		})
	}

	created := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{created.Add(364*24*time.Hour + 23*time.Hour + 59*time.Minute), "explicit deny"},
		{created.Add(365 * 24 * time.Hour), ""},
	} {
		r := r
		a := AgeInDays(created, tt.now)
		r.ArchiveAgeInDays = &a
		r.Now = tt.now
		checkAuthorize(t, Authorize(r, "123456789012", lock, nil), tt.want)
	}
}

// TestReferenceLock is InitiateVaultLock's example: the owner's root may
// not delete archives up to 365 days old (the key is spelled
// "ArchiveAgeinDays" there).
func TestReferenceLock(t *testing.T) {
	lock := mustParse(t, exampleLockPolicy)
	access := mustParse(t, exampleAccessPolicy)
	r := Request{
		Action:   "glacier:DeleteArchive",
		Resource: "arn:aws:glacier:us-west-2:999999999999:vaults/examplevault",
		Now:      now,
	}
	for _, tt := range []struct {
		age  int64
		want string
	}{{365, "explicit deny"}, {366, ""}} {
		r.ArchiveAgeInDays = age(tt.age)
		checkAuthorize(t, Authorize(r, "999999999999", lock, access), tt.want)
	}
}

func TestAgeInDays(t *testing.T) {
	created := time.Date(2024, 2, 28, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		now  time.Time
		want int64
	}{
		{created, 0},
		{created.Add(-time.Hour), 0},
		{created.Add(24*time.Hour - time.Nanosecond), 0},
		{created.Add(24 * time.Hour), 1},
		{created.AddDate(1, 0, 0), 366}, // 2024 is a leap year
	} {
		if got := AgeInDays(created, tt.now); got != tt.want {
			t.Errorf("AgeInDays(%v, %v) = %d, want %d", created, tt.now, got, tt.want)
		}
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{NoMatch: "NoMatch", Allow: "Allow", Deny: "Deny"} {
		if d.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(d), d.String(), want)
		}
	}
}

// TestConcurrentEvaluate shares one parsed policy between goroutines; run
// with -race.
func TestConcurrentEvaluate(t *testing.T) {
	p := mustParse(t, retentionLock)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			r := request()
			r.ArchiveAgeInDays = age(int64(i * 200))
			for range 100 {
				p.Evaluate(r)
				_ = Authorize(r, owner, p, p)
			}
		})
	}
	wg.Wait()
}
