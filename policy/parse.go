package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/firnstore/firn"
)

// MaxSize is the largest policy document Glacier accepts, in bytes (20 KB).
const MaxSize = 20 * 1024

// Policy is a parsed, validated vault access policy or vault lock policy.
// It is immutable and safe for concurrent use.
type Policy struct {
	statements []statement
}

type statement struct {
	effect      Decision // Allow or Deny
	principals  principals
	actions     []string // lower-cased patterns
	notAction   bool
	resources   []string
	notResource bool
	conditions  []condition
}

// principals is a parsed Principal element.
type principals struct {
	anyone   bool
	accounts []string // 12-digit account IDs, from "ACCOUNT" or an account's root ARN
	arns     []string // other principal ARNs, matched exactly
}

// actionNames are the Glacier API actions, lower-cased; an action without
// wildcards must be one of them.
var actionNames = func() map[string]bool {
	m := make(map[string]bool)
	for _, a := range []string{
		"AbortMultipartUpload", "AbortVaultLock", "AddTagsToVault",
		"CompleteMultipartUpload", "CompleteVaultLock", "CreateVault",
		"DeleteArchive", "DeleteVault", "DeleteVaultAccessPolicy",
		"DeleteVaultNotifications", "DescribeJob", "DescribeVault",
		"GetDataRetrievalPolicy", "GetJobOutput", "GetVaultAccessPolicy",
		"GetVaultLock", "GetVaultNotifications", "InitiateJob",
		"InitiateMultipartUpload", "InitiateVaultLock", "ListJobs",
		"ListMultipartUploads", "ListParts", "ListProvisionedCapacity",
		"ListTagsForVault", "ListVaults", "PurchaseProvisionedCapacity",
		"RemoveTagsFromVault", "SetDataRetrievalPolicy", "SetVaultAccessPolicy",
		"SetVaultNotifications", "UploadArchive", "UploadMultipartPart",
	} {
		m["glacier:"+strings.ToLower(a)] = true
	}
	return m
}()

// Parse validates a policy document and returns its parsed form. The
// document must be a JSON object of at most [MaxSize] bytes using only the
// features listed in the package documentation. Every problem is reported
// as a *firn.Error with code firn.CodeInvalidParameterValue whose message
// starts with "Policy: " and names the offending element, statement and
// value. Parse is deterministic and does not retain doc.
func Parse(doc string) (*Policy, error) {
	if len(doc) > MaxSize {
		return nil, invalid("document is %d bytes, more than the limit of %d bytes", len(doc), MaxSize)
	}
	if strings.TrimSpace(doc) == "" {
		return nil, invalid("document is empty")
	}
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, invalid("%v", err)
	}
	if root.kind != kindObject {
		return nil, invalid("document is %v, not a JSON object", root.kind)
	}
	var stmts *node
	for i := range root.fields {
		f := &root.fields[i]
		switch f.key {
		case "Version":
			if f.val.kind != kindString || f.val.text != "2012-10-17" && f.val.text != "2008-10-17" {
				return nil, invalid(`Version %s is not supported; use "2012-10-17" or "2008-10-17"`, describe(f.val))
			}
		case "Id":
			if f.val.kind != kindString {
				return nil, invalid("Id is %v, not a string", f.val.kind)
			}
		case "Statement":
			stmts = &f.val
		default:
			return nil, invalid("unsupported top-level element %q", f.key)
		}
	}
	if stmts == nil {
		return nil, invalid("missing Statement")
	}
	var list []node
	switch stmts.kind {
	case kindObject:
		list = []node{*stmts}
	case kindArray:
		if len(stmts.items) == 0 {
			return nil, invalid("Statement is an empty list")
		}
		list = stmts.items
	default:
		return nil, invalid("Statement is %v, not an object or a list", stmts.kind)
	}
	p := &Policy{statements: make([]statement, 0, len(list))}
	for i := range list {
		s, err := parseStatement(&list[i], i+1)
		if err != nil {
			return nil, err
		}
		p.statements = append(p.statements, s)
	}
	return p, nil
}

func parseStatement(n *node, index int) (statement, error) {
	label := fmt.Sprintf("statement %d", index)
	if n.kind != kindObject {
		return statement{}, invalid("%s is %v, not an object", label, n.kind)
	}
	elems := make(map[string]*node, len(n.fields))
	for i := range n.fields {
		elems[n.fields[i].key] = &n.fields[i].val
	}
	if sid, ok := elems["Sid"]; ok {
		if sid.kind != kindString {
			return statement{}, invalid("Sid of %s is %v, not a string", label, sid.kind)
		}
		if sid.text != "" {
			label = fmt.Sprintf("statement %q", sid.text)
		}
	}
	for _, f := range n.fields {
		switch f.key {
		case "Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "NotResource", "Condition":
		case "NotPrincipal":
			return statement{}, invalid("NotPrincipal in %s is not supported; use Principal", label)
		default:
			return statement{}, invalid("unsupported element %q in %s", f.key, label)
		}
	}

	var s statement
	switch e := elems["Effect"]; {
	case e == nil:
		return s, invalid("%s has no Effect", label)
	case e.kind == kindString && e.text == "Allow":
		s.effect = Allow
	case e.kind == kindString && e.text == "Deny":
		s.effect = Deny
	default:
		return s, invalid(`Effect %s in %s must be "Allow" or "Deny"`, describe(*e), label)
	}

	pn := elems["Principal"]
	if pn == nil {
		return s, invalid("%s has no Principal", label)
	}
	var err error
	if s.principals, err = parsePrincipal(pn, label); err != nil {
		return s, err
	}

	name, list, err := exactlyOne(elems, "Action", "NotAction", label)
	if err != nil {
		return s, err
	}
	s.notAction = name == "NotAction"
	for _, a := range list {
		if err := checkAction(a); err != nil {
			return s, invalid("%s %q in %s: %v", name, a, label, err)
		}
		s.actions = append(s.actions, strings.ToLower(a))
	}

	name, list, err = exactlyOne(elems, "Resource", "NotResource", label)
	if err != nil {
		return s, err
	}
	s.notResource = name == "NotResource"
	for _, r := range list {
		if r != "*" && (!strings.HasPrefix(r, "arn:") || strings.Count(r, ":") < 5) {
			return s, invalid(`%s %q in %s is not "*" or an ARN (arn:partition:service:region:account:resource)`, name, r, label)
		}
	}
	s.resources = list

	if c := elems["Condition"]; c != nil {
		if s.conditions, err = parseCondition(c, label); err != nil {
			return s, err
		}
	}
	return s, nil
}

// exactlyOne returns the string list of whichever of the two elements the
// statement has, failing unless it has exactly one of them.
func exactlyOne(elems map[string]*node, a, b, label string) (string, []string, error) {
	na, nb := elems[a], elems[b]
	switch {
	case na != nil && nb != nil:
		return "", nil, invalid("%s has both %s and %s", label, a, b)
	case na == nil && nb == nil:
		return "", nil, invalid("%s has neither %s nor %s", label, a, b)
	case nb != nil:
		a, na = b, nb
	}
	list, err := stringList(na, a, label)
	return a, list, err
}

// stringList accepts a string or a non-empty list of non-empty strings.
func stringList(n *node, name, label string) ([]string, error) {
	var items []node
	switch n.kind {
	case kindString:
		items = []node{*n}
	case kindArray:
		if len(n.items) == 0 {
			return nil, invalid("%s in %s is an empty list", name, label)
		}
		items = n.items
	default:
		return nil, invalid("%s in %s is %v, not a string or a list of strings", name, label, n.kind)
	}
	out := make([]string, len(items))
	for i, it := range items {
		if it.kind != kindString {
			return nil, invalid("%s in %s contains %v, not a string", name, label, it.kind)
		}
		if it.text == "" {
			return nil, invalid("%s in %s contains an empty string", name, label)
		}
		out[i] = it.text
	}
	return out, nil
}

func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	service, op, ok := strings.Cut(a, ":")
	if !ok || op == "" {
		return fmt.Errorf(`is not "*" or "glacier:Action"`)
	}
	if !strings.EqualFold(service, "glacier") {
		return fmt.Errorf("is not a glacier action")
	}
	if !strings.ContainsAny(op, "*?") && !actionNames[strings.ToLower(a)] {
		return fmt.Errorf("is not a known Glacier action")
	}
	return nil
}

func parsePrincipal(n *node, label string) (principals, error) {
	var p principals
	if n.kind == kindString {
		if n.text != "*" {
			return p, invalid(`Principal %q in %s must be "*" or {"AWS": ...}`, n.text, label)
		}
		p.anyone = true
		return p, nil
	}
	if n.kind != kindObject {
		return p, invalid(`Principal in %s is %v, not "*" or {"AWS": ...}`, label, n.kind)
	}
	if len(n.fields) == 0 {
		return p, invalid("Principal in %s is an empty object", label)
	}
	for _, f := range n.fields {
		if f.key != "AWS" {
			return p, invalid(`unsupported principal type %q in %s; only "AWS" principals are supported`, f.key, label)
		}
		ids, err := stringList(&f.val, "Principal", label)
		if err != nil {
			return p, err
		}
		for _, id := range ids {
			switch {
			case id == "*":
				p.anyone = true
			case isAccountID(id):
				p.accounts = append(p.accounts, id)
			case strings.ContainsAny(id, "*?"):
				return p, invalid(`principal %q in %s contains a wildcard; only "*" may be used`, id, label)
			default:
				account, root, ok := parsePrincipalARN(id)
				if !ok {
					return p, invalid("principal %q in %s is not an account ID or an IAM or STS ARN", id, label)
				}
				if root {
					p.accounts = append(p.accounts, account)
				} else {
					p.arns = append(p.arns, id)
				}
			}
		}
	}
	return p, nil
}

// parsePrincipalARN splits an arn:PARTITION:iam|sts::ACCOUNT:RESOURCE
// principal, reporting its account and whether it is the account's root.
func parsePrincipalARN(arn string) (account string, root, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] != "iam" && f[2] != "sts" || f[3] != "" || !isAccountID(f[4]) || f[5] == "" {
		return "", false, false
	}
	return f[4], f[2] == "iam" && f[5] == "root", true
}

func isAccountID(s string) bool { return len(s) == 12 && allDigits(s) }

func parseCondition(n *node, label string) ([]condition, error) {
	if n.kind != kindObject {
		return nil, invalid("Condition in %s is %v, not an object", label, n.kind)
	}
	var conds []condition
	for _, opField := range n.fields {
		name := opField.key
		op, ok := operators[name]
		if !ok {
			if prefix, _, found := strings.Cut(name, ":"); found && (prefix == "ForAnyValue" || prefix == "ForAllValues") {
				return nil, invalid("condition set operator %q in %s is not supported", name, label)
			}
			return nil, invalid("unsupported condition operator %q in %s", name, label)
		}
		block := &opField.val
		if block.kind != kindObject {
			return nil, invalid("condition operator %q in %s maps to %v, not an object of keys", name, label, block.kind)
		}
		if len(block.fields) == 0 {
			return nil, invalid("condition operator %q in %s has no keys", name, label)
		}
		for _, keyField := range block.fields {
			key, ok := parseConditionKey(keyField.key)
			if !ok {
				return nil, invalid("unsupported condition key %q in %s", keyField.key, label)
			}
			if !key.accepts(op.family) {
				return nil, invalid("condition operator %q cannot be used with key %q in %s", name, keyField.key, label)
			}
			raws, err := conditionValues(&keyField.val)
			if err != nil {
				return nil, invalid("values of condition key %q for operator %q in %s: %v", keyField.key, name, label, err)
			}
			c := condition{op: op, key: key, values: make([]conditionValue, len(raws))}
			for i, raw := range raws {
				if c.values[i], err = parseConditionValue(op.family, raw); err != nil {
					return nil, invalid("value %q of condition key %q for operator %q in %s %v", raw, keyField.key, name, label, err)
				}
			}
			conds = append(conds, c)
		}
	}
	return conds, nil
}

// conditionValues accepts a scalar or a non-empty list of scalars; IAM
// takes 365, "365" and true alike.
func conditionValues(n *node) ([]string, error) {
	items := []node{*n}
	if n.kind == kindArray {
		if len(n.items) == 0 {
			return nil, fmt.Errorf("empty list")
		}
		items = n.items
	}
	out := make([]string, len(items))
	for i, it := range items {
		switch it.kind {
		case kindString, kindNumber, kindBool:
			out[i] = it.text
		default:
			return nil, fmt.Errorf("%v is not a string, number or boolean", it.kind)
		}
	}
	return out, nil
}

// describe renders a scalar for an error message.
func describe(n node) string {
	switch n.kind {
	case kindString:
		return strconv.Quote(n.text)
	case kindNumber, kindBool:
		return n.text
	default:
		return n.kind.String()
	}
}

func invalid(format string, args ...any) *firn.Error {
	return firn.Errorf(firn.CodeInvalidParameterValue, "Policy: "+format, args...)
}
