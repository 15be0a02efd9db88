package policy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// family is the type of comparison a condition operator performs.
type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famArn
	famNull
)

// comparison is the positive test an operator applies to one value; negated
// operators invert the result over all values (IAM's NOR).
type comparison uint8

const (
	cmpEqual comparison = iota
	cmpEqualFold
	cmpLike
	cmpLess
	cmpLessEqual
	cmpGreater
	cmpGreaterEqual
)

type operator struct {
	name     string
	family   family
	cmp      comparison
	negated  bool
	ifExists bool
}

// operators maps every supported operator name, IfExists variants included,
// to its meaning. Operator names are case-sensitive, as in IAM.
var operators = func() map[string]operator {
	base := []operator{
		{name: "StringEquals", family: famString, cmp: cmpEqual},
		{name: "StringNotEquals", family: famString, cmp: cmpEqual, negated: true},
		{name: "StringEqualsIgnoreCase", family: famString, cmp: cmpEqualFold},
		{name: "StringNotEqualsIgnoreCase", family: famString, cmp: cmpEqualFold, negated: true},
		{name: "StringLike", family: famString, cmp: cmpLike},
		{name: "StringNotLike", family: famString, cmp: cmpLike, negated: true},
		{name: "NumericEquals", family: famNumeric, cmp: cmpEqual},
		{name: "NumericNotEquals", family: famNumeric, cmp: cmpEqual, negated: true},
		{name: "NumericLessThan", family: famNumeric, cmp: cmpLess},
		{name: "NumericLessThanEquals", family: famNumeric, cmp: cmpLessEqual},
		{name: "NumericGreaterThan", family: famNumeric, cmp: cmpGreater},
		{name: "NumericGreaterThanEquals", family: famNumeric, cmp: cmpGreaterEqual},
		{name: "DateEquals", family: famDate, cmp: cmpEqual},
		{name: "DateNotEquals", family: famDate, cmp: cmpEqual, negated: true},
		{name: "DateLessThan", family: famDate, cmp: cmpLess},
		{name: "DateLessThanEquals", family: famDate, cmp: cmpLessEqual},
		{name: "DateGreaterThan", family: famDate, cmp: cmpGreater},
		{name: "DateGreaterThanEquals", family: famDate, cmp: cmpGreaterEqual},
		{name: "Bool", family: famBool, cmp: cmpEqual},
		{name: "ArnEquals", family: famArn, cmp: cmpLike},
		{name: "ArnLike", family: famArn, cmp: cmpLike},
		{name: "ArnNotEquals", family: famArn, cmp: cmpLike, negated: true},
		{name: "ArnNotLike", family: famArn, cmp: cmpLike, negated: true},
	}
	m := make(map[string]operator, 2*len(base)+1)
	for _, op := range base {
		m[op.name] = op
		op.name += "IfExists"
		op.ifExists = true
		m[op.name] = op
	}
	m["Null"] = operator{name: "Null", family: famNull}
	return m
}()

// keyKind identifies a supported condition key.
type keyKind uint8

const (
	keyArchiveAge keyKind = iota
	keyResourceTag
	keyPrincipalArn
	keyPrincipalAccount
	keyCurrentTime
	keySecureTransport
)

// resourceTagPrefix is the prefix of glacier:ResourceTag/KEY, lower-cased.
const resourceTagPrefix = "glacier:resourcetag/"

// keyNames maps lower-cased key names to their kind; IAM key names are
// case-insensitive.
var keyNames = map[string]keyKind{
	"glacier:archiveageindays": keyArchiveAge,
	"aws:principalarn":         keyPrincipalArn,
	"aws:principalaccount":     keyPrincipalAccount,
	"aws:currenttime":          keyCurrentTime,
	"aws:securetransport":      keySecureTransport,
}

// conditionKey is a parsed condition key; tag is the KEY of
// glacier:ResourceTag/KEY as written.
type conditionKey struct {
	kind keyKind
	tag  string
}

func parseConditionKey(name string) (conditionKey, bool) {
	lower := strings.ToLower(name)
	if k, ok := keyNames[lower]; ok {
		return conditionKey{kind: k}, true
	}
	if strings.HasPrefix(lower, resourceTagPrefix) && len(name) > len(resourceTagPrefix) {
		return conditionKey{kind: keyResourceTag, tag: name[len(resourceTagPrefix):]}, true
	}
	return conditionKey{}, false
}

// accepts reports whether operators of family f apply to the key. String
// operators and Null apply to every key (a key's string form is defined in
// the package documentation); the typed families only to keys of their type.
func (k conditionKey) accepts(f family) bool {
	switch f {
	case famString, famNull:
		return true
	case famNumeric:
		return k.kind == keyArchiveAge
	case famDate:
		return k.kind == keyCurrentTime
	case famBool:
		return k.kind == keySecureTransport
	default: // famArn
		return k.kind == keyPrincipalArn
	}
}

// contextValue is a key's value in one request, in every form its
// operators may need.
type contextValue struct {
	str  string
	num  float64
	time time.Time
	bool bool
}

// lookup returns the key's value in r and whether it is present.
// r must be normalized.
func (k conditionKey) lookup(r *Request) (contextValue, bool) {
	switch k.kind {
	case keyArchiveAge:
		if r.ArchiveAgeInDays == nil {
			return contextValue{}, false
		}
		n := *r.ArchiveAgeInDays
		return contextValue{str: strconv.FormatInt(n, 10), num: float64(n)}, true
	case keyResourceTag:
		v, ok := lookupTag(r.ResourceTags, k.tag)
		return contextValue{str: v}, ok
	case keyPrincipalArn:
		return contextValue{str: r.Principal}, r.Principal != ""
	case keyPrincipalAccount:
		return contextValue{str: r.PrincipalAccount}, r.PrincipalAccount != ""
	case keyCurrentTime:
		if r.Now.IsZero() {
			return contextValue{}, false
		}
		t := r.Now.UTC().Truncate(time.Second)
		return contextValue{str: t.Format(time.RFC3339), time: t}, true
	default: // keySecureTransport
		return contextValue{str: strconv.FormatBool(r.SecureTransport), bool: r.SecureTransport}, true
	}
}

// lookupTag finds a tag by key, ignoring case as IAM does for tag keys in
// condition key names. An exact match wins; among several case-insensitive
// matches the smallest key wins, so the result does not depend on map order.
func lookupTag(tags map[string]string, key string) (string, bool) {
	if v, ok := tags[key]; ok {
		return v, true
	}
	var keys []string
	for k := range tags {
		if strings.EqualFold(k, key) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "", false
	}
	sort.Strings(keys)
	return tags[keys[0]], true
}

// conditionValue is one value of a condition, parsed for its operator.
type conditionValue struct {
	str  string
	num  float64
	time time.Time
	bool bool
	arn  []string // the six colon-separated ARN fields, for famArn
}

// condition is one (operator, key, values) triple of a Condition block.
type condition struct {
	op     operator
	key    conditionKey
	values []conditionValue
}

// parseConditionValue validates raw for op's family.
func parseConditionValue(f family, raw string) (conditionValue, error) {
	v := conditionValue{str: raw}
	switch f {
	case famNumeric:
		n, ok := parseNumber(raw)
		if !ok {
			return v, fmt.Errorf("is not a decimal number")
		}
		v.num = n
	case famDate:
		t, ok := parseDate(raw)
		if !ok {
			return v, fmt.Errorf("is not an ISO 8601 date or epoch seconds")
		}
		v.time = t
	case famBool, famNull:
		b, ok := parseBool(raw)
		if !ok {
			return v, fmt.Errorf(`is not "true" or "false"`)
		}
		v.bool = b
	case famArn:
		parts := strings.SplitN(raw, ":", 6)
		if len(parts) != 6 {
			return v, fmt.Errorf("is not an ARN (arn:partition:service:region:account:resource)")
		}
		v.arn = parts
	}
	return v, nil
}

// parseNumber accepts an optional minus sign, digits and an optional
// fraction: the forms IAM documents for numeric conditions. Exponents,
// hexadecimal, Inf and NaN are rejected.
func parseNumber(s string) (float64, bool) {
	digits := strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(digits, ".")
	if !allDigits(intPart) || hasFrac && !allDigits(frac) {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dateLayouts are the ISO 8601 forms accepted for date conditions; times
// without a zone are UTC.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"20060102T150405Z",
	"2006-01-02",
}

func parseDate(s string) (time.Time, bool) {
	if allDigits(s) {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil || secs > maxEpochSeconds {
			return time.Time{}, false
		}
		return time.Unix(secs, 0).UTC(), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// maxEpochSeconds (year 9999) keeps epoch dates within the range time.Time
// compares and formats sensibly.
const maxEpochSeconds = 253402300799

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// holds evaluates the condition against a normalized request, following
// IAM: a missing key makes positive operators false and negated ones true,
// IfExists operators true, and Null tests presence itself. Several values
// of one key are ORed (NORed for negated operators).
func (c *condition) holds(r *Request) bool {
	cv, present := c.key.lookup(r)
	if c.op.family == famNull {
		for _, v := range c.values {
			if v.bool != present {
				return true
			}
		}
		return false
	}
	if !present {
		return c.op.ifExists || c.op.negated
	}
	matched := false
	for i := range c.values {
		if c.op.compare(cv, &c.values[i]) {
			matched = true
			break
		}
	}
	return matched != c.op.negated
}

// compare applies the operator's positive comparison of cv to one value.
func (op operator) compare(cv contextValue, v *conditionValue) bool {
	switch op.family {
	case famString:
		switch op.cmp {
		case cmpEqualFold:
			return strings.EqualFold(cv.str, v.str)
		case cmpLike:
			return wildMatch(v.str, cv.str, false)
		default:
			return cv.str == v.str
		}
	case famNumeric:
		return ordered(op.cmp, compareFloat(cv.num, v.num))
	case famDate:
		return ordered(op.cmp, cv.time.Compare(v.time))
	case famBool:
		return cv.bool == v.bool
	default: // famArn
		parts := strings.SplitN(cv.str, ":", 6)
		if len(parts) != 6 {
			return false
		}
		for i, p := range parts {
			if !wildMatch(v.arn[i], p, false) {
				return false
			}
		}
		return true
	}
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ordered reports whether the three-way result c satisfies cmp.
func ordered(cmp comparison, c int) bool {
	switch cmp {
	case cmpLess:
		return c < 0
	case cmpLessEqual:
		return c <= 0
	case cmpGreater:
		return c > 0
	case cmpGreaterEqual:
		return c >= 0
	default:
		return c == 0
	}
}
