package csvselect

import (
	"bytes"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

type kind uint8

// The value kinds, MISSING and NULL first so that isNull is one comparison.
const (
	kMissing kind = iota
	kNull
	kBool
	kInt
	kFloat
	kDecimal
	kString
	kTimestamp
)

var kindNames = [...]string{"MISSING", "NULL", "BOOL", "INT", "FLOAT", "DECIMAL", "STRING", "TIMESTAMP"}

func (k kind) String() string { return kindNames[k] }

// value is one SQL value, kept small because values are passed and
// returned by value. Strings are byte slices that may alias the current
// record or the row's arena: they are valid until the next record, and
// anything kept longer (MIN, MAX) is copied.
type value struct {
	k kind
	// i is an INT; a BOOL as 0 or 1; the bits of a FLOAT or DECIMAL; the
	// Unix seconds of a TIMESTAMP.
	i int64
	// x is the nanoseconds<<32 and the UTC offset in seconds (low 32 bits)
	// of a TIMESTAMP.
	x int64
	s []byte // STRING
}

func floatValue(k kind, f float64) value { return value{k: k, i: int64(math.Float64bits(f))} }

// float returns a FLOAT or DECIMAL.
func (v value) float() float64 { return math.Float64frombits(uint64(v.i)) }

// timestampValue makes a TIMESTAMP from its wall clock at UTC offset off
// (in seconds), given as a time in UTC.
func timestampValue(local time.Time, off int) value {
	return value{k: kTimestamp, i: local.Unix() - int64(off), x: int64(local.Nanosecond())<<32 | int64(uint32(int32(off)))}
}

func (v value) nanosecond() int64 { return v.x >> 32 }
func (v value) offset() int       { return int(int32(uint32(v.x))) }

// utc returns a TIMESTAMP as a time in UTC.
func (v value) utc() time.Time { return time.Unix(v.i, v.nanosecond()).UTC() }

// local returns the wall clock of a TIMESTAMP at its own offset, as a time
// in UTC, so that no time.Location is made.
func (v value) local() time.Time { return time.Unix(v.i+int64(v.offset()), v.nanosecond()).UTC() }

var (
	nullValue  = value{k: kNull}
	trueValue  = value{k: kBool, i: 1}
	falseValue = value{k: kBool}
)

func boolValue(b bool) value {
	if b {
		return trueValue
	}
	return falseValue
}

func (v value) isNull() bool  { return v.k <= kNull }
func (v value) numeric() bool { return v.k == kInt || v.k == kFloat || v.k == kDecimal }

// num returns a numeric value as a float64.
func (v value) num() float64 {
	if v.k == kInt {
		return float64(v.i)
	}
	return v.float()
}

// quoteValue renders a value for an error message, cut to a readable length.
func quoteValue(v value) string {
	if v.k == kString {
		s := v.s
		if len(s) > 64 {
			n := 61
			for n > 0 && !utf8.RuneStart(s[n]) {
				n--
			}
			s = append(bytes.Clone(s[:n]), "..."...)
		}
		return "'" + string(bytes.ReplaceAll(s, []byte("'"), []byte("''"))) + "'"
	}
	return string(appendValue(nil, v))
}

// appendValue appends the CSV text of v: empty for NULL and MISSING.
func appendValue(dst []byte, v value) []byte {
	switch v.k {
	case kBool:
		if v.i != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case kInt:
		return strconv.AppendInt(dst, v.i, 10)
	case kFloat, kDecimal:
		return appendFloat(dst, v.float())
	case kString:
		return append(dst, v.s...)
	case kTimestamp:
		return appendTimestamp(dst, v)
	}
	return dst
}

// appendFloat writes plain decimal notation for moderate magnitudes and
// exponent notation outside them, so that 1e300 is not 301 digits long.
func appendFloat(dst []byte, f float64) []byte {
	if a := math.Abs(f); a == 0 || a >= 1e-7 && a < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// appendTimestamp writes RFC 3339 with the value's own offset.
func appendTimestamp(dst []byte, v value) []byte {
	dst = v.local().AppendFormat(dst, "2006-01-02T15:04:05.999999999")
	return appendOffset(dst, v.offset(), true, true)
}

// appendOffset writes a UTC offset as ±hh:mm (±hhmm without colon), or Z
// for zero when z.
func appendOffset(dst []byte, off int, z, colon bool) []byte {
	if off == 0 && z {
		return append(dst, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign, byte('0'+off/36000), byte('0'+off/3600%10))
	if colon {
		dst = append(dst, ':')
	}
	m := off % 3600 / 60
	return append(dst, byte('0'+m/10), byte('0'+m%10))
}

// trimSpace drops ASCII spaces and tabs around a field before it is cast.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseInt parses [+-]digits into an int64; ok is false for anything else,
// overflow is true when the digits do not fit.
func parseInt(b []byte) (n int64, ok, overflow bool) {
	if len(b) == 0 {
		return 0, false, false
	}
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false, false
	}
	var u uint64
	for _, c := range b {
		d := c - '0'
		if d > 9 {
			return 0, false, false
		}
		if u > (math.MaxUint64-9)/10 {
			overflow = true
		}
		u = u*10 + uint64(d)
	}
	if overflow || !neg && u > math.MaxInt64 || neg && u > 1<<63 {
		return 0, true, true
	}
	if neg {
		return -int64(u), true, false
	}
	return int64(u), true, false
}

// isDecimalText reports whether b is [+-](digits[.digits]|.digits)[e[+-]digits],
// the number syntax accepted from strings (no hex, no Inf or NaN).
func isDecimalText(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(b)
}

// parseNumber converts a string to INT when it is an integer that fits and
// to DECIMAL otherwise; it is the implicit conversion of a CSV field used
// as a number.
func parseNumber(s []byte) (value, error) {
	b := trimSpace(s)
	if n, ok, overflow := parseInt(b); ok && !overflow {
		return value{k: kInt, i: n}, nil
	}
	if f, ok := parseFloat(b); ok {
		return floatValue(kDecimal, f), nil
	}
	return value{}, rtErr("CastFailed", "%s is not a number", quoteValue(value{k: kString, s: s}))
}

func parseFloat(b []byte) (float64, bool) {
	if !isDecimalText(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func parseBool(b []byte) (bool, bool) {
	b = trimSpace(b)
	switch {
	case bytes.EqualFold(b, []byte("true")):
		return true, true
	case bytes.EqualFold(b, []byte("false")):
		return false, true
	}
	return false, false
}

// parseTimestamp parses the W3C profile of ISO 8601 that S3 Select accepts:
// YYYYT, YYYY-MMT, YYYY-MM-DD[T], and YYYY-MM-DDThh:mm[:ss[.s...]]TZD where
// TZD is Z or ±hh:mm. Dates without a time are midnight UTC.
func parseTimestamp(b []byte) (value, bool) {
	b = trimSpace(b)
	num := func(n int) (int, bool) {
		if len(b) < n {
			return 0, false
		}
		v := 0
		for _, c := range b[:n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		b = b[n:]
		return v, true
	}
	lit := func(c byte) bool {
		if len(b) > 0 && b[0] == c {
			b = b[1:]
			return true
		}
		return false
	}
	year, ok := num(4)
	if !ok {
		return value{}, false
	}
	month, day := 1, 1
	date := func() (value, bool) {
		t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		return timestampValue(t, 0), len(b) == 0 && t.Day() == day && t.Month() == time.Month(month)
	}
	if lit('T') {
		return date()
	}
	if !lit('-') {
		return value{}, false
	}
	if month, ok = num(2); !ok {
		return value{}, false
	}
	if lit('T') {
		return date()
	}
	if !lit('-') {
		return value{}, false
	}
	if day, ok = num(2); !ok {
		return value{}, false
	}
	if len(b) == 0 {
		return date()
	}
	if !lit('T') {
		return value{}, false
	}
	if len(b) == 0 {
		return date()
	}
	hour, ok1 := num(2)
	colon := lit(':')
	minute, ok2 := num(2)
	if !ok1 || !colon || !ok2 {
		return value{}, false
	}
	sec, nsec := 0, 0
	if lit(':') {
		if sec, ok = num(2); !ok {
			return value{}, false
		}
		if lit('.') {
			n := 0
			for n < len(b) && b[n] >= '0' && b[n] <= '9' {
				if n < 9 {
					nsec = nsec*10 + int(b[n]-'0')
				}
				n++
			}
			if n == 0 {
				return value{}, false
			}
			for i := n; i < 9; i++ {
				nsec *= 10
			}
			b = b[n:]
		}
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return value{}, false
	}
	off := 0
	switch {
	case lit('Z'):
	case len(b) == 6 && (b[0] == '+' || b[0] == '-') && b[3] == ':':
		neg := b[0] == '-'
		b = b[1:]
		oh, ok1 := num(2)
		lit(':')
		om, ok2 := num(2)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return value{}, false
		}
		off = oh*3600 + om*60
		if neg {
			off = -off
		}
	default:
		return value{}, false
	}
	if len(b) != 0 {
		return value{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day || t.Month() != time.Month(month) {
		return value{}, false
	}
	return timestampValue(t, off), true
}

// castTo converts v to kind k following CAST. Strings are trimmed of spaces
// and tabs first. NULL and MISSING stay NULL.
func castTo(v value, k kind, rw *row) (value, error) {
	if v.isNull() {
		return nullValue, nil
	}
	if v.k == k {
		return v, nil
	}
	fail := func() (value, error) {
		return value{}, rtErr("CastFailed", "cannot cast %s %s to %s", v.k, quoteValue(v), k)
	}
	switch k {
	case kInt:
		switch v.k {
		case kBool:
			return value{k: kInt, i: v.i}, nil
		case kFloat, kDecimal:
			t := math.Trunc(v.float())
			if t >= -(1<<63) && t < 1<<63 {
				return value{k: kInt, i: int64(t)}, nil
			}
			return value{}, rtErr("IntegerOverflow", "%s is out of the range of INT", quoteValue(v))
		case kString:
			b := trimSpace(v.s)
			n, ok, overflow := parseInt(b)
			if overflow {
				return value{}, rtErr("IntegerOverflow", "%s is out of the range of INT", quoteValue(v))
			}
			if ok {
				return value{k: kInt, i: n}, nil
			}
			if f, ok := parseFloat(b); ok {
				return castTo(floatValue(kDecimal, f), kInt, rw)
			}
		}
	case kFloat, kDecimal:
		switch v.k {
		case kBool, kInt:
			return floatValue(k, float64(v.i)), nil
		case kFloat, kDecimal:
			return value{k: k, i: v.i}, nil
		case kString:
			if f, ok := parseFloat(trimSpace(v.s)); ok {
				return floatValue(k, f), nil
			}
		}
	case kString:
		start := len(rw.arena)
		rw.arena = appendValue(rw.arena, v)
		return value{k: kString, s: rw.arena[start:]}, nil
	case kBool:
		switch v.k {
		case kInt:
			return boolValue(v.i != 0), nil
		case kFloat, kDecimal:
			return boolValue(v.float() != 0), nil
		case kString:
			if b, ok := parseBool(v.s); ok {
				return boolValue(b), nil
			}
		}
	case kTimestamp:
		if v.k == kString {
			if t, ok := parseTimestamp(v.s); ok {
				return t, nil
			}
		}
	}
	return fail()
}

// coerce converts the string operand of a comparison with a value of kind k
// to that kind: a CSV field compared with a number is read as a number.
func coerce(s value, k kind) (value, error) {
	switch {
	case k == kInt || k == kFloat || k == kDecimal:
		return parseNumber(s.s)
	case k == kBool:
		if b, ok := parseBool(s.s); ok {
			return boolValue(b), nil
		}
	case k == kTimestamp:
		if t, ok := parseTimestamp(s.s); ok {
			return t, nil
		}
	}
	return value{}, rtErr("CastFailed", "cannot compare %s with %s: %s is not a %s", kString, k, quoteValue(s), k)
}

// compare orders a and b. null is true when either is NULL or MISSING. A
// string compared with a number, bool or timestamp is converted to that
// kind first; other mixed kinds are an InvalidDataType error.
func compare(a, b value) (c int, null bool, err error) {
	if a.isNull() || b.isNull() {
		return 0, true, nil
	}
	if a.k != b.k {
		if a.k == kString {
			if a, err = coerce(a, b.k); err != nil {
				return 0, false, err
			}
		} else if b.k == kString {
			if b, err = coerce(b, a.k); err != nil {
				return 0, false, err
			}
		}
	}
	switch {
	case a.k == kInt && b.k == kInt:
		return cmpInt(a.i, b.i), false, nil
	case a.numeric() && b.numeric():
		x, y := a.num(), b.num()
		switch {
		case x < y:
			return -1, false, nil
		case x > y:
			return 1, false, nil
		}
		return 0, false, nil
	case a.k != b.k:
		return 0, false, rtErr("InvalidDataType", "cannot compare %s with %s", a.k, b.k)
	case a.k == kString:
		return bytes.Compare(a.s, b.s), false, nil
	case a.k == kBool:
		return cmpInt(a.i, b.i), false, nil
	}
	if c := cmpInt(a.i, b.i); c != 0 {
		return c, false, nil
	}
	return cmpInt(a.nanosecond(), b.nanosecond()), false, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// runeSlice returns the characters [from, to) of s, 0-based and clamped.
func runeSlice(s []byte, from, to int64) []byte {
	if from < 0 {
		from = 0
	}
	if to <= from {
		return s[:0]
	}
	start, i := len(s), int64(0)
	for off := range string(s) {
		if i == from {
			start = off
		}
		if i == to {
			return s[start:off]
		}
		i++
	}
	if from >= i {
		return s[:0]
	}
	return s[start:]
}
