package model

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/policy"
)

// tagText is what tag keys and values are made of, per the developer
// guide: Unicode letters, digits, spaces and _ . / = + - @.
var tagText = regexp.MustCompile(`^[\p{L}\p{N}\p{Z}_./=+\-@]*$`)

// vault is one vault and everything in it.
type vault struct {
	account, name string
	created       time.Time
	tags          map[string]string
	notifications *firn.VaultNotificationConfig
	access        string // access policy; "" when none
	lock          vaultLock
	archives      map[string]*archive
	deleted       map[string]bool // IDs of deleted archives
	lastWrite     time.Time       // last archive added or removed
	uploads       map[string]*upload
	jobs          map[string]*jobState
}

// vaultLock is a vault lock; the zero value is none.
type vaultLock struct {
	state   string // "", firn.LockStateInProgress or firn.LockStateLocked
	id      string
	policy  string
	created time.Time
}

// lockAt is the lock in force at now: an InProgress lock lasts lockTTL.
func (v *vault) lockAt(now time.Time) vaultLock {
	if v.lock.state == firn.LockStateInProgress && !now.Before(v.lock.created.Add(lockTTL)) {
		return vaultLock{}
	}
	return v.lock
}

// tickVault does v's due time-driven work: jobs complete and expire,
// uploads expire and are forgotten, an InProgress lock expires.
func (m *Model) tickVault(a *account, v *vault, now time.Time) {
	v.lock = v.lockAt(now)
	for _, id := range slices.Sorted(maps.Keys(v.jobs)) {
		j := v.jobs[id]
		if j.status == firn.StatusInProgress && !j.due.After(now) {
			m.complete(v, j, now)
		}
		if j.status != firn.StatusInProgress && !now.Before(j.completed.Add(outputLifetime)) {
			delete(v.jobs, id)
		}
	}
	for id, u := range v.uploads {
		switch {
		case u.state == stateInProgress && !now.Before(u.lastActivity().Add(uploadIdle)):
			u.state, u.ended, u.parts = stateExpired, now, nil
		case u.state != stateInProgress && !now.Before(u.ended.Add(uploadRetention)):
			delete(v.uploads, id)
		}
	}
}

func validateName(name string) error {
	if name == "" {
		return missing("VaultName")
	}
	if len(name) > maxNameLength {
		return invalid("VaultName: longer than %d characters", maxNameLength)
	}
	for i := range len(name) {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return invalid("VaultName: invalid character %q", c)
		}
	}
	return nil
}

// archiveDescription is an archive description as stored: the spaces and
// tabs that HTTP drops from the ends of the header carrying it are dropped.
func archiveDescription(d string) string {
	for d != "" && (d[0] == ' ' || d[0] == '\t') {
		d = d[1:]
	}
	for d != "" && (d[len(d)-1] == ' ' || d[len(d)-1] == '\t') {
		d = d[:len(d)-1]
	}
	return d
}

func validateDescription(field, d string) error {
	if len(d) > maxDescLength {
		return invalid("%s: longer than %d characters", field, maxDescLength)
	}
	for i := range len(d) {
		if d[i] < 0x20 || d[i] > 0x7e {
			return invalid("%s: not printable ASCII", field)
		}
	}
	return nil
}

// findVault returns the vault name of a; the name is checked first.
func (m *Model) findVault(a *account, acct, name string) (*vault, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	v := a.vaults[name]
	if v == nil {
		return nil, notFound("Vault not found for ARN: %s", m.vaultARN(acct, name))
	}
	return v, nil
}

// authorizedVault returns the vault name of account a (acct) if the caller
// may do op on it.
func (m *Model) authorizedVault(ctx context.Context, op string, a *account, acct, name string) (*vault, error) {
	v, err := m.findVault(a, acct, name)
	if err != nil {
		return nil, err
	}
	if err := m.authorize(ctx, op, v, time.Time{}); err != nil {
		return nil, err
	}
	return v, nil
}

// vaultOp starts an operation on a vault: account, vault, authorization.
func (m *Model) vaultOp(ctx context.Context, op, accountID, name string) (*account, *vault, error) {
	a, acct, err := m.begin(accountID)
	if err != nil {
		return nil, nil, err
	}
	v, err := m.authorizedVault(ctx, op, a, acct, name)
	if err != nil {
		return nil, nil, err
	}
	return a, v, nil
}

// CreateVault implements firn.Glacier.
func (m *Model) CreateVault(ctx context.Context, in *firn.CreateVaultInput) (*firn.CreateVaultOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	if err := m.authorizeAccount(ctx, "CreateVault", acct); err != nil {
		return nil, err
	}
	out := &firn.CreateVaultOutput{Location: location(acct, in.VaultName)}
	if a.vaults[in.VaultName] != nil {
		return out, nil
	}
	if len(a.vaults) >= m.o.MaxVaults {
		return nil, firn.Errorf(firn.CodeLimitExceeded, "VaultName: account %s has %d vaults", acct, len(a.vaults))
	}
	a.vaults[in.VaultName] = &vault{account: acct, name: in.VaultName, created: m.now(), tags: map[string]string{},
		archives: map[string]*archive{}, deleted: map[string]bool{}, uploads: map[string]*upload{}, jobs: map[string]*jobState{}}
	return out, nil
}

func (m *Model) describe(v *vault) firn.DescribeVaultOutput {
	d := firn.DescribeVaultOutput{VaultARN: m.vaultARN(v.account, v.name), VaultName: v.name, CreationDate: v.created, LastInventoryDate: v.lastWrite}
	for _, ar := range v.archives {
		d.NumberOfArchives++
		d.SizeInBytes += int64(len(ar.data))
	}
	return d
}

// DescribeVault implements firn.Glacier. Inventories are always current:
// LastInventoryDate is the last time an archive was added or removed.
func (m *Model) DescribeVault(ctx context.Context, in *firn.DescribeVaultInput) (*firn.DescribeVaultOutput, error) {
	_, v, err := m.vaultOp(ctx, "DescribeVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	d := m.describe(v)
	return &d, nil
}

// ListVaults implements firn.Glacier.
func (m *Model) ListVaults(ctx context.Context, in *firn.ListVaultsInput) (*firn.ListVaultsOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := m.authorizeAccount(ctx, "ListVaults", acct); err != nil {
		return nil, err
	}
	limit, err := listLimit(in.Limit, 10, 1000)
	if err != nil {
		return nil, err
	}
	after := ""
	if in.Marker != "" {
		name, ok := strings.CutPrefix(in.Marker, m.vaultARN(acct, ""))
		if !ok || validateName(name) != nil {
			return nil, invalid("Marker: %q is not a vault ARN of account %s", in.Marker, acct)
		}
		after = name
	}
	out := &firn.ListVaultsOutput{VaultList: []firn.DescribeVaultOutput{}}
	names := slices.Sorted(maps.Keys(a.vaults))
	for i, name := range names {
		if in.Marker != "" && name <= after {
			continue
		}
		if len(out.VaultList) == limit {
			out.Marker = m.vaultARN(acct, names[i-1])
			break
		}
		out.VaultList = append(out.VaultList, m.describe(a.vaults[name]))
	}
	return out, nil
}

// DeleteVault implements firn.Glacier: only a vault without archives goes,
// with its uploads and jobs.
func (m *Model) DeleteVault(ctx context.Context, in *firn.DeleteVaultInput) (*firn.DeleteVaultOutput, error) {
	a, v, err := m.vaultOp(ctx, "DeleteVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if len(v.archives) > 0 {
		return nil, invalid("Vault not empty or recently written to: %s", m.vaultARN(v.account, v.name))
	}
	delete(a.vaults, v.name)
	return &firn.DeleteVaultOutput{}, nil
}

// AddTagsToVault implements firn.Glacier.
func (m *Model) AddTagsToVault(ctx context.Context, in *firn.AddTagsToVaultInput) (*firn.AddTagsToVaultOutput, error) {
	_, v, err := m.vaultOp(ctx, "AddTagsToVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, missing("Tags")
	}
	for _, k := range slices.Sorted(maps.Keys(in.Tags)) {
		v := in.Tags[k]
		switch {
		case k == "" || utf8.RuneCountInString(k) > maxTagKeyLength:
			return nil, invalid("Tags: key %q must be 1 to %d characters", k, maxTagKeyLength)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, invalid("Tags: key %q starts with aws:", k)
		case !utf8.ValidString(k) || !tagText.MatchString(k):
			return nil, invalid("Tags: key %q has a character outside letters, digits, spaces and _ . / = + - @", k)
		case utf8.RuneCountInString(v) > maxTagValLength:
			return nil, invalid("Tags: value of %q is longer than %d characters", k, maxTagValLength)
		case !utf8.ValidString(v) || !tagText.MatchString(v):
			return nil, invalid("Tags: value of %q has a character outside letters, digits, spaces and _ . / = + - @", k)
		}
	}
	tags := maps.Clone(v.tags)
	maps.Copy(tags, in.Tags)
	if len(tags) > maxTags {
		return nil, firn.Errorf(firn.CodeLimitExceeded, "Tags: %d tags, at most %d", len(tags), maxTags)
	}
	v.tags = tags
	return &firn.AddTagsToVaultOutput{}, nil
}

// ListTagsForVault implements firn.Glacier.
func (m *Model) ListTagsForVault(ctx context.Context, in *firn.ListTagsForVaultInput) (*firn.ListTagsForVaultOutput, error) {
	_, v, err := m.vaultOp(ctx, "ListTagsForVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	return &firn.ListTagsForVaultOutput{Tags: maps.Clone(v.tags)}, nil
}

// RemoveTagsFromVault implements firn.Glacier; absent keys are ignored, no
// keys at all is invalid.
func (m *Model) RemoveTagsFromVault(ctx context.Context, in *firn.RemoveTagsFromVaultInput) (*firn.RemoveTagsFromVaultOutput, error) {
	_, v, err := m.vaultOp(ctx, "RemoveTagsFromVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, invalid("TagKeys: at least one key is required")
	}
	tags := maps.Clone(v.tags)
	for _, k := range in.TagKeys {
		delete(tags, k)
	}
	v.tags = tags
	return &firn.RemoveTagsFromVaultOutput{}, nil
}

// validateTopic checks an SNS topic ARN, arn:PARTITION:sns:REGION:ACCOUNT:NAME.
func validateTopic(field, arn string) error {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[1] == "" || p[2] != "sns" || p[3] == "" || !isAccountID(p[4]) || len(p[5]) > 256 {
		return invalid("%s: %q is not an SNS topic ARN", field, arn)
	}
	name := strings.TrimSuffix(p[5], ".fifo")
	if name == "" {
		return invalid("%s: %q has no topic name", field, arn)
	}
	for i := range len(name) {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return invalid("%s: %q has a bad topic name", field, arn)
		}
	}
	return nil
}

// SetVaultNotifications implements firn.Glacier. The configuration is
// checked before the vault is looked up.
func (m *Model) SetVaultNotifications(ctx context.Context, in *firn.SetVaultNotificationsInput) (*firn.SetVaultNotificationsOutput, error) {
	if _, _, err := m.begin(in.AccountId); err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	c := in.VaultNotificationConfig
	switch {
	case c == nil:
		return nil, missing("VaultNotificationConfig")
	case c.SNSTopic == "":
		return nil, missing("VaultNotificationConfig.SNSTopic")
	}
	if err := validateTopic("VaultNotificationConfig.SNSTopic", c.SNSTopic); err != nil {
		return nil, err
	}
	if len(c.Events) == 0 {
		return nil, missing("VaultNotificationConfig.Events")
	}
	for _, e := range c.Events {
		if e != firn.EventArchiveRetrievalCompleted && e != firn.EventInventoryRetrievalCompleted {
			return nil, invalid("VaultNotificationConfig.Events: %q is not an event", e)
		}
	}
	_, v, err := m.vaultOp(ctx, "SetVaultNotifications", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	v.notifications = &firn.VaultNotificationConfig{SNSTopic: c.SNSTopic, Events: slices.Clone(c.Events)}
	return &firn.SetVaultNotificationsOutput{}, nil
}

// GetVaultNotifications implements firn.Glacier.
func (m *Model) GetVaultNotifications(ctx context.Context, in *firn.GetVaultNotificationsInput) (*firn.GetVaultNotificationsOutput, error) {
	_, v, err := m.vaultOp(ctx, "GetVaultNotifications", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if v.notifications == nil {
		return nil, notFound("No notification configuration is set for vault: %s", v.name)
	}
	c := *v.notifications
	c.Events = slices.Clone(c.Events)
	return &firn.GetVaultNotificationsOutput{VaultNotificationConfig: c}, nil
}

// DeleteVaultNotifications implements firn.Glacier.
func (m *Model) DeleteVaultNotifications(ctx context.Context, in *firn.DeleteVaultNotificationsInput) (*firn.DeleteVaultNotificationsOutput, error) {
	_, v, err := m.vaultOp(ctx, "DeleteVaultNotifications", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	v.notifications = nil
	return &firn.DeleteVaultNotificationsOutput{}, nil
}

// checkPolicyShape checks what every policy document shares: present, at
// most 20 KB, a JSON object.
func checkPolicyShape(doc string) error {
	if doc == "" {
		return missing("Policy")
	}
	if len(doc) > maxPolicyBytes {
		return invalid("Policy: %d bytes, at most %d", len(doc), maxPolicyBytes)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(doc), &obj); err != nil {
		return invalid("Policy: not a JSON object: %v", err)
	}
	return nil
}

// SetVaultAccessPolicy implements firn.Glacier. The document is checked
// before the vault is looked up.
func (m *Model) SetVaultAccessPolicy(ctx context.Context, in *firn.SetVaultAccessPolicyInput) (*firn.SetVaultAccessPolicyOutput, error) {
	if _, _, err := m.begin(in.AccountId); err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	doc := ""
	if in.Policy != nil {
		doc = in.Policy.Policy
	}
	if err := checkPolicyShape(doc); err != nil {
		return nil, err
	}
	if _, err := policy.Parse(doc); err != nil {
		return nil, err
	}
	_, v, err := m.vaultOp(ctx, "SetVaultAccessPolicy", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	v.access = doc
	return &firn.SetVaultAccessPolicyOutput{}, nil
}

// GetVaultAccessPolicy implements firn.Glacier.
func (m *Model) GetVaultAccessPolicy(ctx context.Context, in *firn.GetVaultAccessPolicyInput) (*firn.GetVaultAccessPolicyOutput, error) {
	_, v, err := m.vaultOp(ctx, "GetVaultAccessPolicy", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if v.access == "" {
		return nil, notFound("No vault access policy is set for: %s", v.name)
	}
	return &firn.GetVaultAccessPolicyOutput{Policy: firn.VaultAccessPolicy{Policy: v.access}}, nil
}

// DeleteVaultAccessPolicy implements firn.Glacier.
func (m *Model) DeleteVaultAccessPolicy(ctx context.Context, in *firn.DeleteVaultAccessPolicyInput) (*firn.DeleteVaultAccessPolicyOutput, error) {
	_, v, err := m.vaultOp(ctx, "DeleteVaultAccessPolicy", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	v.access = ""
	return &firn.DeleteVaultAccessPolicyOutput{}, nil
}

// InitiateVaultLock implements firn.Glacier. The document's shape is
// checked before the vault is looked up, its statements after.
func (m *Model) InitiateVaultLock(ctx context.Context, in *firn.InitiateVaultLockInput) (*firn.InitiateVaultLockOutput, error) {
	if _, _, err := m.begin(in.AccountId); err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	doc := ""
	if in.Policy != nil {
		doc = in.Policy.Policy
	}
	if err := checkPolicyShape(doc); err != nil {
		return nil, err
	}
	_, v, err := m.vaultOp(ctx, "InitiateVaultLock", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if _, err := policy.Parse(doc); err != nil {
		return nil, err
	}
	if v.lock.state != "" {
		return nil, firn.Errorf(firn.CodeAccessDenied, "the vault has a lock %s", v.lock.state)
	}
	v.lock = vaultLock{state: firn.LockStateInProgress, id: m.newID(), policy: doc, created: m.now()}
	return &firn.InitiateVaultLockOutput{LockId: v.lock.id}, nil
}

// CompleteVaultLock implements firn.Glacier.
func (m *Model) CompleteVaultLock(ctx context.Context, in *firn.CompleteVaultLockInput) (*firn.CompleteVaultLockOutput, error) {
	if in.LockId == "" {
		return nil, missing("lockId")
	}
	_, v, err := m.vaultOp(ctx, "CompleteVaultLock", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	switch {
	case v.lock.state == "":
		return nil, notFound("No vault lock is in progress")
	case in.LockId != v.lock.id && v.lock.state == firn.LockStateLocked:
		return nil, firn.Errorf(firn.CodeAccessDenied, "lockId: not the ID the vault was locked with")
	case in.LockId != v.lock.id:
		return nil, invalid("lockId: not the ID of the lock in progress")
	}
	v.lock.state = firn.LockStateLocked
	return &firn.CompleteVaultLockOutput{}, nil
}

// AbortVaultLock implements firn.Glacier.
func (m *Model) AbortVaultLock(ctx context.Context, in *firn.AbortVaultLockInput) (*firn.AbortVaultLockOutput, error) {
	_, v, err := m.vaultOp(ctx, "AbortVaultLock", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if v.lock.state == firn.LockStateLocked {
		return nil, firn.Errorf(firn.CodeAccessDenied, "the vault is locked")
	}
	v.lock = vaultLock{}
	return &firn.AbortVaultLockOutput{}, nil
}

// GetVaultLock implements firn.Glacier.
func (m *Model) GetVaultLock(ctx context.Context, in *firn.GetVaultLockInput) (*firn.GetVaultLockOutput, error) {
	_, v, err := m.vaultOp(ctx, "GetVaultLock", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	l := v.lock
	if l.state == "" {
		return nil, notFound("No vault lock policy is set for: %s", v.name)
	}
	out := &firn.GetVaultLockOutput{Policy: l.policy, State: l.state, CreationDate: l.created}
	if l.state == firn.LockStateInProgress {
		out.ExpirationDate = l.created.Add(lockTTL)
	}
	return out, nil
}
