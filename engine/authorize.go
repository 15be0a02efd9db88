package engine

import (
	"context"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/policy"
	"github.com/firnstore/firn/vault"
)

// Access control. Every operation on a vault is authorized against the
// vault's lock policy (in progress or locked) and access policy for the
// caller in the context (firn.WithPrincipal; none means the root of the
// account in the request): an explicit Deny in either wins for every caller,
// the owning account is otherwise allowed, and another account needs an
// explicit Allow. Account-wide operations are allowed to the account's own
// principals only.

// caller returns the caller's principal ARN and account for a request on
// acct's resources.
func caller(ctx context.Context, acct string) (arn, account string) {
	if p, ok := firn.PrincipalFrom(ctx); ok {
		return p, principalAccount(p)
	}
	return "arn:aws:iam::" + acct + ":root", acct
}

// principalAccount is the account field of an IAM or STS ARN, or the ARN
// itself when it is a bare account ID.
func principalAccount(arn string) string {
	if vault.IsAccountID(arn) {
		return arn
	}
	p := strings.SplitN(arn, ":", 6)
	if len(p) == 6 {
		return p[4]
	}
	return ""
}

// authorizeAccount allows an account-wide operation to the account's own
// principals.
func (r *request) authorizeAccount() error {
	arn, account := caller(r.ctx, r.acct)
	if account == r.acct {
		return nil
	}
	return firn.Errorf(firn.CodeAccessDenied, "User: %s is not authorized to perform: glacier:%s on resource: arn:aws:glacier:%s:%s:*", arn, r.op, r.e.opts.Region, r.acct)
}

// authorize decides whether the caller may perform the operation on v.
// created is the creation time of the archive the operation acts on (zero
// when none), for the glacier:ArchiveAgeInDays condition key.
func (r *request) authorize(v *vault.Record, created time.Time) error {
	e := r.e
	lockDoc := e.lockPolicyDoc(v)
	arn, account := caller(r.ctx, v.Account)
	if lockDoc == "" && v.AccessPolicy == "" && account == v.Account {
		return nil
	}
	lock, err := e.parsedPolicy(lockDoc)
	if err != nil {
		return err
	}
	access, err := e.parsedPolicy(v.AccessPolicy)
	if err != nil {
		return err
	}
	now := e.now()
	req := policy.Request{
		Action:           "glacier:" + r.op,
		Resource:         e.vaultARN(v),
		Principal:        arn,
		PrincipalAccount: account,
		Now:              now,
		SecureTransport:  firn.SecureTransportFrom(r.ctx),
		ResourceTags:     v.Tags,
	}
	if !created.IsZero() {
		age := policy.AgeInDays(created, now)
		req.ArchiveAgeInDays = &age
	}
	return policy.Authorize(req, v.Account, lock, access)
}

// parsedPolicy parses a stored policy document, nil for "".
func (e *Engine) parsedPolicy(doc string) (*policy.Policy, error) {
	if doc == "" {
		return nil, nil
	}
	if p, ok := e.policies.Load(doc); ok {
		return p.(*policy.Policy), nil
	}
	p, err := policy.Parse(doc)
	if err != nil {
		return nil, ioError(err)
	}
	e.policies.Store(doc, p)
	return p, nil
}
