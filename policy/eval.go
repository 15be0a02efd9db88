package policy

import (
	"strings"
	"time"

	"github.com/firnstore/firn"
)

// Decision is the outcome of evaluating one policy for one request.
type Decision int

const (
	// NoMatch means no statement applies: an implicit deny.
	NoMatch Decision = iota
	// Allow means an Allow statement applies and no Deny statement does.
	Allow
	// Deny means a Deny statement applies.
	Deny
)

// String returns "NoMatch", "Allow" or "Deny".
func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	default:
		return "NoMatch"
	}
}

// Request is the request context a policy is evaluated against.
type Request struct {
	// Action is "glacier:" followed by the operation name, such as
	// "glacier:DeleteArchive". It is matched case-insensitively.
	Action string
	// Resource is the vault ARN, arn:aws:glacier:REGION:ACCOUNT:vaults/NAME.
	Resource string
	// Principal is the caller's ARN, such as
	// "arn:aws:iam::111122223333:user/alice"; also aws:PrincipalArn. When
	// empty it is the root of PrincipalAccount.
	Principal string
	// PrincipalAccount is the caller's 12-digit account, also
	// aws:PrincipalAccount. When empty it is taken from Principal.
	PrincipalAccount string
	// Now is aws:CurrentTime, compared at one-second resolution; the zero
	// time leaves the key absent.
	Now time.Time
	// SecureTransport is aws:SecureTransport.
	SecureTransport bool
	// ArchiveAgeInDays is glacier:ArchiveAgeInDays (see [AgeInDays]), set
	// only for operations on one archive: DeleteArchive and archive
	// retrieval InitiateJob. Nil leaves the key absent.
	ArchiveAgeInDays *int64
	// ResourceTags are the vault's tags, the glacier:ResourceTag/KEY keys.
	ResourceTags map[string]string
}

// normalized fills in whichever of Principal and PrincipalAccount can be
// derived from the other.
func (r Request) normalized() Request {
	if r.PrincipalAccount == "" {
		if f := strings.SplitN(r.Principal, ":", 6); len(f) == 6 {
			r.PrincipalAccount = f[4]
		}
	}
	if r.Principal == "" && r.PrincipalAccount != "" {
		partition := "aws"
		if f := strings.SplitN(r.Resource, ":", 3); len(f) == 3 && f[0] == "arn" && f[1] != "" {
			partition = f[1]
		}
		r.Principal = "arn:" + partition + ":iam::" + r.PrincipalAccount + ":root"
	}
	return r
}

// AgeInDays is glacier:ArchiveAgeInDays for an archive created at created
// and evaluated at now: the number of whole 24-hour days elapsed, never
// negative. An archive is 365 days old exactly 365×24 hours after creation.
func AgeInDays(created, now time.Time) int64 {
	d := now.Sub(created)
	if d < 0 {
		return 0
	}
	return int64(d / (24 * time.Hour))
}

// Evaluate applies IAM's logic within one policy: Deny if any statement
// with Effect Deny applies to r, else Allow if any Allow statement applies,
// else NoMatch. A statement applies when its principal, action, resource
// and every condition match. A nil policy yields NoMatch. Evaluate is safe
// for concurrent use.
func (p *Policy) Evaluate(r Request) Decision {
	if p == nil {
		return NoMatch
	}
	r = r.normalized()
	return p.evaluate(&r)
}

func (p *Policy) evaluate(r *Request) Decision {
	d := NoMatch
	for i := range p.statements {
		s := &p.statements[i]
		// Once an Allow applies, only a Deny can change the outcome.
		if s.effect == d || !s.applies(r) {
			continue
		}
		if s.effect == Deny {
			return Deny
		}
		d = Allow
	}
	return d
}

func (s *statement) applies(r *Request) bool {
	if !s.principals.match(r) {
		return false
	}
	if anyMatch(s.actions, r.Action, true) == s.notAction {
		return false
	}
	if anyMatch(s.resources, r.Resource, false) == s.notResource {
		return false
	}
	for i := range s.conditions {
		if !s.conditions[i].holds(r) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildMatch(p, s, fold) {
			return true
		}
	}
	return false
}

func (p *principals) match(r *Request) bool {
	if p.anyone {
		return true
	}
	for _, a := range p.accounts {
		if a == r.PrincipalAccount {
			return true
		}
	}
	for _, a := range p.arns {
		if a == r.Principal {
			return true
		}
	}
	return false
}

// Authorize applies Glacier's rule for combining a vault's policies to one
// request and returns nil if the request is allowed. owner is the vault's
// account; lock is the vault lock policy, InProgress or Locked (nil if
// none); access is the vault access policy (nil if none). A request without
// Principal and PrincipalAccount is the owner's root.
//
// The rule, IAM's for resource-based policies:
//  1. A Deny in either policy refuses the request, whoever the caller is,
//     the owner's root included.
//  2. Otherwise a caller of the owning account is allowed (its identity
//     policies are not modelled, so they are taken to allow everything).
//  3. Otherwise a caller from another account is allowed only if either
//     policy has an applicable Allow: both are resource-based policies of
//     the vault, and an Allow in any of them grants cross-account access.
//
// A refusal is a *firn.Error with code firn.CodeAccessDenied whose message
// names the caller, the action and the vault, in the service's words.
func Authorize(r Request, owner string, lock, access *Policy) error {
	if r.Principal == "" && r.PrincipalAccount == "" {
		r.PrincipalAccount = owner
	}
	r = r.normalized()
	lockDecision, accessDecision := NoMatch, NoMatch
	if lock != nil {
		lockDecision = lock.evaluate(&r)
	}
	if access != nil {
		accessDecision = access.evaluate(&r)
	}
	switch {
	case lockDecision == Deny || accessDecision == Deny:
		return firn.Errorf(firn.CodeAccessDenied,
			"User: %s is not authorized to perform: %s on resource: %s with an explicit deny in a resource-based policy",
			r.Principal, r.Action, r.Resource)
	case r.PrincipalAccount == owner || lockDecision == Allow || accessDecision == Allow:
		return nil
	default:
		return firn.Errorf(firn.CodeAccessDenied,
			"User: %s is not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action",
			r.Principal, r.Action, r.Resource, r.Action)
	}
}
