package lock_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/lock"
	"pgregory.net/rapid"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// compliance is the classic lock: no archive deleted before it is a year old.
const compliance = `{"Version":"2012-10-17","Statement":[{"Sid":"deny-based-on-archive-age","Principal":"*","Effect":"Deny",` +
	`"Action":"glacier:DeleteArchive","Resource":"arn:aws:glacier:us-east-1:000000000000:vaults/v",` +
	`"Condition":{"NumericLessThan":{"glacier:ArchiveAgeInDays":"365"}}}]}`

func wantCode(t testing.TB, what string, err error, code firn.Code, mentions ...string) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) {
		t.Fatalf("%s: error %v, want a *firn.Error with code %s", what, err, code)
	}
	if fe.Code != code {
		t.Fatalf("%s: code %s (%s), want %s", what, fe.Code, fe.Message, code)
	}
	for _, m := range mentions {
		if !strings.Contains(fe.Message, m) {
			t.Errorf("%s: message %q does not mention %q", what, fe.Message, m)
		}
	}
}

func initiated(t *testing.T) lock.Lock {
	t.Helper()
	l, err := lock.Lock{}.Initiate(compliance, "L1", t0)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func locked(t *testing.T) lock.Lock {
	t.Helper()
	l, err := initiated(t).Complete("L1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestInitiate(t *testing.T) {
	l := initiated(t)
	want := lock.Lock{State: lock.InProgress, ID: "L1", Policy: compliance, Created: t0, Expiry: t0.Add(24 * time.Hour)}
	if l != want {
		t.Fatalf("Initiate = %+v, want %+v", l, want)
	}
	if got := l.Expires(); !got.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("Expires = %v, want %v", got, t0.Add(24*time.Hour))
	}
}

// TestExpiresFromRecord checks that the expiry recorded at initiation is
// the one in force, and that a lock recorded without one expires TTL after
// its initiation.
func TestExpiresFromRecord(t *testing.T) {
	l := initiated(t)
	l.Expiry = t0.Add(time.Hour)
	if got := l.Expires(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("Expires = %v, want the recorded %v", got, t0.Add(time.Hour))
	}
	if l.Expired(t0.Add(time.Hour-time.Nanosecond)) || !l.Expired(t0.Add(time.Hour)) {
		t.Error("Expired does not follow the recorded expiry")
	}
	if _, err := l.Complete("L1", t0.Add(time.Hour)); err == nil {
		t.Error("Complete succeeded after the recorded expiry")
	}
	l.Expiry = time.Time{}
	if got := l.Expires(); !got.Equal(t0.Add(lock.TTL)) {
		t.Errorf("Expires of a lock recorded without expiry = %v, want %v", got, t0.Add(lock.TTL))
	}
}

func TestInitiateRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		from    lock.Lock
		doc     string
		code    firn.Code
		mention string
	}{
		{"empty policy", lock.Lock{}, "", firn.CodeMissingParameterValue, "Policy"},
		{"malformed", lock.Lock{}, `{"Statement":`, firn.CodeInvalidParameterValue, "Policy"},
		{"not an object", lock.Lock{}, `[]`, firn.CodeInvalidParameterValue, "Policy"},
		{"over 20 KB", lock.Lock{}, compliance + strings.Repeat(" ", 20*1024-len(compliance)+1), firn.CodeInvalidParameterValue, "20480"},
		{"unknown operator", lock.Lock{}, strings.Replace(compliance, "NumericLessThan", "NumericSmallerThan", 1), firn.CodeInvalidParameterValue, "NumericSmallerThan"},
		{"in progress", initiated(t), compliance, firn.CodeAccessDenied, "L1"},
		{"locked", locked(t), compliance, firn.CodeAccessDenied, "locked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.from.Initiate(tc.doc, "L2", t0.Add(2*time.Hour))
			wantCode(t, "Initiate", err, tc.code, tc.mention)
			if got != tc.from {
				t.Errorf("failed Initiate returned %+v, want the unchanged %+v", got, tc.from)
			}
		})
	}
}

func TestInitiateExactly20KB(t *testing.T) {
	doc := compliance + strings.Repeat(" ", 20*1024-len(compliance))
	if _, err := (lock.Lock{}).Initiate(doc, "L1", t0); err != nil {
		t.Fatalf("Initiate of a 20480-byte policy: %v", err)
	}
}

func TestInitiateAfterExpiry(t *testing.T) {
	l, err := initiated(t).Initiate(compliance, "L2", t0.Add(lock.TTL))
	if err != nil {
		t.Fatalf("Initiate over an expired lock: %v", err)
	}
	if l.ID != "L2" || !l.Created.Equal(t0.Add(lock.TTL)) {
		t.Errorf("Initiate over an expired lock = %+v", l)
	}
}

func TestComplete(t *testing.T) {
	l := locked(t)
	want := lock.Lock{State: lock.Locked, ID: "L1", Policy: compliance, Created: t0}
	if l != want {
		t.Fatalf("Complete = %+v, want %+v", l, want)
	}
	if !l.Expires().IsZero() {
		t.Errorf("Expires of a Locked lock = %v, want zero", l.Expires())
	}
	// Idempotent, and never expires.
	again, err := l.Complete("L1", t0.Add(10*365*24*time.Hour))
	if err != nil || again != l {
		t.Errorf("Complete of a Locked lock with its ID = %+v, %v; want %+v, nil", again, err, l)
	}
	if got := l.At(t0.Add(100 * 365 * 24 * time.Hour)); got != l {
		t.Errorf("At(+100y) of a Locked lock = %+v", got)
	}
}

func TestCompleteAtLastInstant(t *testing.T) {
	if _, err := initiated(t).Complete("L1", t0.Add(lock.TTL-time.Nanosecond)); err != nil {
		t.Fatalf("Complete 1ns before expiry: %v", err)
	}
}

func TestCompleteRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		from    lock.Lock
		id      string
		at      time.Time
		code    firn.Code
		mention string
	}{
		{"empty ID", initiated(t), "", t0, firn.CodeMissingParameterValue, "lockId"},
		{"none", lock.Lock{}, "L1", t0, firn.CodeResourceNotFound, "L1"},
		{"expired", initiated(t), "L1", t0.Add(lock.TTL), firn.CodeResourceNotFound, "expired"},
		{"in progress, wrong ID", initiated(t), "L9", t0, firn.CodeInvalidParameterValue, "L9"},
		{"locked, wrong ID", locked(t), "L9", t0, firn.CodeAccessDenied, "L9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.from.Complete(tc.id, tc.at)
			wantCode(t, "Complete", err, tc.code, tc.mention)
			if got != tc.from {
				t.Errorf("failed Complete returned %+v, want the unchanged %+v", got, tc.from)
			}
		})
	}
}

func TestAbort(t *testing.T) {
	for _, tc := range []struct {
		name string
		from lock.Lock
		at   time.Time
	}{
		{"in progress", initiated(t), t0},
		{"none", lock.Lock{}, t0},
		{"expired", initiated(t), t0.Add(lock.TTL)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.from.Abort(tc.at)
			if err != nil || got != (lock.Lock{}) {
				t.Errorf("Abort = %+v, %v; want none", got, err)
			}
		})
	}
	l := locked(t)
	got, err := l.Abort(t0)
	wantCode(t, "Abort of a Locked lock", err, firn.CodeAccessDenied, "Locked")
	if got != l {
		t.Errorf("failed Abort returned %+v", got)
	}
}

func TestExpiry(t *testing.T) {
	l := initiated(t)
	for _, tc := range []struct {
		at      time.Duration
		expired bool
	}{
		{0, false},
		{lock.TTL - time.Nanosecond, false},
		{lock.TTL, true},
		{lock.TTL + time.Hour, true},
	} {
		now := t0.Add(tc.at)
		if got := l.Expired(now); got != tc.expired {
			t.Errorf("Expired(+%v) = %v, want %v", tc.at, got, tc.expired)
		}
		want := l
		if tc.expired {
			want = lock.Lock{}
		}
		if got := l.At(now); got != want {
			t.Errorf("At(+%v) = %+v, want %+v", tc.at, got, want)
		}
	}
	if (lock.Lock{}).Expired(t0) {
		t.Error("no lock reports Expired")
	}
}

// lockModel is the lifecycle as the API reference states it, kept
// independently of the package: the state in force, with the in-progress
// deadline.
type lockModel struct {
	state    lock.State
	id       string
	doc      string
	deadline time.Time // of an InProgress lock
	now      time.Time
	nextID   int
}

// settle applies the expiry rule of the model: at the deadline an
// InProgress lock is gone.
func (m *lockModel) settle() {
	if m.state == lock.InProgress && !m.now.Before(m.deadline) {
		m.state, m.id, m.doc = lock.None, "", ""
	}
}

var docs = []string{
	compliance,
	`{"Statement":{"Effect":"Deny","Principal":"*","Action":"glacier:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`,
	`{"Statement":"not a statement"}`,
	"",
}

func TestLockStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &lockModel{now: t0}
		var l lock.Lock
		check := func(op string, err error, wantCode firn.Code) {
			var fe *firn.Error
			switch {
			case wantCode == "" && err != nil:
				t.Fatalf("%s: unexpected error %v", op, err)
			case wantCode != "" && !errors.As(err, &fe):
				t.Fatalf("%s: error %v, want %s", op, err, wantCode)
			case wantCode != "" && fe.Code != wantCode:
				t.Fatalf("%s: error %v, want %s", op, err, wantCode)
			}
			m.settle()
			cur := l.At(m.now)
			if cur.State != m.state || cur.ID != m.id || cur.Policy != m.doc {
				t.Fatalf("after %s: lock in force %+v, model %+v", op, cur, *m)
			}
			if m.state == lock.InProgress && !cur.Expires().Equal(m.deadline) {
				t.Fatalf("after %s: Expires %v, model deadline %v", op, cur.Expires(), m.deadline)
			}
			if m.state != lock.InProgress && !cur.Expires().IsZero() {
				t.Fatalf("after %s: Expires %v for state %q", op, cur.Expires(), m.state)
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"Initiate": func(t *rapid.T) {
				doc := rapid.SampledFrom(docs).Draw(t, "doc")
				m.nextID++
				id := fmt.Sprint("L", m.nextID)
				before := l
				next, err := l.Initiate(doc, id, m.now)
				var want firn.Code
				switch {
				case doc == "":
					want = firn.CodeMissingParameterValue
				case doc != compliance && doc != docs[1]:
					want = firn.CodeInvalidParameterValue
				case m.state != lock.None:
					want = firn.CodeAccessDenied
				default:
					m.state, m.id, m.doc, m.deadline = lock.InProgress, id, doc, m.now.Add(24*time.Hour)
				}
				if err != nil && next != before {
					t.Fatalf("failed Initiate changed the lock")
				}
				l = next
				check("Initiate", err, want)
			},
			"Complete": func(t *rapid.T) {
				id := m.id
				if m.id == "" || rapid.Bool().Draw(t, "wrong") {
					id = rapid.SampledFrom([]string{"", "L1", "L2", "L3", "nope"}).Draw(t, "id")
				}
				next, err := l.Complete(id, m.now)
				var want firn.Code
				switch {
				case id == "":
					want = firn.CodeMissingParameterValue
				case m.state == lock.None:
					want = firn.CodeResourceNotFound
				case id != m.id && m.state == lock.Locked:
					want = firn.CodeAccessDenied
				case id != m.id:
					want = firn.CodeInvalidParameterValue
				default:
					m.state = lock.Locked
				}
				if err != nil && next != l {
					t.Fatalf("failed Complete changed the lock")
				}
				l = next
				check("Complete", err, want)
			},
			"Abort": func(t *rapid.T) {
				next, err := l.Abort(m.now)
				var want firn.Code
				if m.state == lock.Locked {
					want = firn.CodeAccessDenied
				} else {
					m.state, m.id, m.doc = lock.None, "", ""
				}
				if err != nil && next != l {
					t.Fatalf("failed Abort changed the lock")
				}
				l = next
				check("Abort", err, want)
			},
			"Advance": func(t *rapid.T) {
				d := rapid.SampledFrom([]time.Duration{
					time.Nanosecond, time.Hour, 12 * time.Hour, 24*time.Hour - time.Nanosecond, 24 * time.Hour, 400 * 24 * time.Hour,
				}).Draw(t, "d")
				m.now = m.now.Add(d)
				check("Advance", nil, "")
			},
		})
	})
}
