package csvselect

import (
	"strconv"
	"strings"
	"time"
)

// tsOperand reads a TIMESTAMP argument; strings are parsed as timestamps.
func tsOperand(v value, fn, at string) (value, bool, error) {
	switch {
	case v.isNull():
		return value{}, true, nil
	case v.k == kTimestamp:
		return v, false, nil
	case v.k == kString:
		if t, ok := parseTimestamp(v.s); ok {
			return t, false, nil
		}
		return value{}, false, locate(rtErr("CastFailed", "%s: %s is not a timestamp", fn, quoteValue(v)), at)
	}
	return value{}, false, locate(rtErr("InvalidDataType", "%s needs a TIMESTAMP, not %s %s", fn, v.k, quoteValue(v)), at)
}

type utcNowNode struct{}

func (utcNowNode) eval(r *row) (value, error) { return timestampValue(r.now, 0), nil }

type toTimestampNode struct {
	x  expr
	at string
}

func (n *toTimestampNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	if v.k != kString && !v.isNull() {
		return value{}, locate(rtErr("InvalidDataType", "TO_TIMESTAMP needs a STRING, not %s", v.k), n.at)
	}
	t, null, err := tsOperand(v, "TO_TIMESTAMP", n.at)
	if err != nil || null {
		return nullValue, err
	}
	return t, nil
}

type datePart uint8

const (
	partYear datePart = iota
	partMonth
	partDay
	partHour
	partMinute
	partSecond
	partTimezoneHour
	partTimezoneMinute
)

var dateParts = map[string]datePart{
	"YEAR": partYear, "MONTH": partMonth, "DAY": partDay, "HOUR": partHour,
	"MINUTE": partMinute, "SECOND": partSecond,
	"TIMEZONE_HOUR": partTimezoneHour, "TIMEZONE_MINUTE": partTimezoneMinute,
}

// part parses a date part keyword; timezone parts only for EXTRACT.
func (p *parser) part(tz bool) datePart {
	t := p.peek()
	d, ok := dateParts[strings.ToUpper(t.text)]
	if t.kind != tIdent || !ok || !tz && d >= partTimezoneHour {
		if tz {
			p.unexpected("a date part: YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, TIMEZONE_HOUR or TIMEZONE_MINUTE")
		}
		p.unexpected("a date part: YEAR, MONTH, DAY, HOUR, MINUTE or SECOND")
	}
	p.advance()
	return d
}

type extractNode struct {
	part datePart
	x    expr
	at   string
}

func (p *parser) extract(at string) expr {
	p.expectPunct("(")
	n := &extractNode{part: p.part(true), at: at}
	p.expectKeyword("FROM")
	n.x = p.expr()
	p.expectPunct(")")
	return n
}

func (n *extractNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	ts, null, err := tsOperand(v, "EXTRACT", n.at)
	if err != nil || null {
		return nullValue, err
	}
	t, off := ts.local(), ts.offset()
	var x int
	switch n.part {
	case partYear:
		x = t.Year()
	case partMonth:
		x = int(t.Month())
	case partDay:
		x = t.Day()
	case partHour:
		x = t.Hour()
	case partMinute:
		x = t.Minute()
	case partSecond:
		x = t.Second()
	case partTimezoneHour:
		x = off / 3600
	case partTimezoneMinute:
		x = off % 3600 / 60
	}
	return value{k: kInt, i: int64(x)}, nil
}

// dateArithNode is DATE_ADD(part, n, ts) or DATE_DIFF(part, ts1, ts2).
type dateArithNode struct {
	diff bool
	part datePart
	a, b expr
	at   string
}

func (p *parser) dateArith(fn token, name, at string) expr {
	p.expectPunct("(")
	n := &dateArithNode{diff: name == "DATE_DIFF", part: p.part(false), at: at}
	p.expectPunct(",")
	n.a = p.expr()
	p.expectPunct(",")
	n.b = p.expr()
	p.expectPunct(")")
	return n
}

// maxDateStep bounds DATE_ADD amounts so that durations cannot overflow.
const maxDateStep = 1 << 40

func (n *dateArithNode) eval(r *row) (value, error) {
	a, err := n.a.eval(r)
	if err != nil {
		return value{}, err
	}
	b, err := n.b.eval(r)
	if err != nil {
		return value{}, err
	}
	if n.diff {
		t1, null1, err := tsOperand(a, "DATE_DIFF", n.at)
		if err != nil {
			return value{}, err
		}
		t2, null2, err := tsOperand(b, "DATE_DIFF", n.at)
		if err != nil || null1 || null2 {
			return nullValue, err
		}
		return value{k: kInt, i: dateDiff(n.part, t1, t2)}, nil
	}
	step, null1, err := intOperand(a, "DATE_ADD", n.at)
	if err != nil {
		return value{}, err
	}
	ts, null2, err := tsOperand(b, "DATE_ADD", n.at)
	if err != nil || null1 || null2 {
		return nullValue, err
	}
	t := ts.local()
	if step > maxDateStep || step < -maxDateStep {
		return value{}, locate(rtErr("InvalidArgument", "DATE_ADD amount %d is too large", step), n.at)
	}
	switch n.part {
	case partYear:
		t = addMonths(t, step*12)
	case partMonth:
		t = addMonths(t, step)
	case partDay:
		t = t.AddDate(0, 0, int(step))
	case partHour:
		t = t.Add(time.Duration(step) * time.Hour)
	case partMinute:
		t = t.Add(time.Duration(step) * time.Minute)
	case partSecond:
		t = t.Add(time.Duration(step) * time.Second)
	}
	return timestampValue(t, ts.offset()), nil
}

// addMonths moves t by n months, keeping the day within the target month
// (January 31 plus one month is the last day of February).
func addMonths(t time.Time, n int64) time.Time {
	m := int64(t.Year())*12 + int64(t.Month()-1) + n
	y, mon := int(m/12), time.Month(m%12+1)
	if m < 0 && m%12 != 0 {
		y, mon = int(m/12)-1, time.Month(m%12+13)
	}
	d := t.Day()
	if last := time.Date(y, mon+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return time.Date(y, mon, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// dateDiff counts whole parts from t1 to t2: calendar months and years
// (in UTC), elapsed time for the rest.
func dateDiff(part datePart, t1, t2 value) int64 {
	if part == partYear || part == partMonth {
		u1, u2 := t1.utc(), t2.utc()
		m := int64(u2.Year()-u1.Year())*12 + int64(u2.Month()-u1.Month())
		r1 := [5]int{u1.Day(), u1.Hour(), u1.Minute(), u1.Second(), u1.Nanosecond()}
		r2 := [5]int{u2.Day(), u2.Hour(), u2.Minute(), u2.Second(), u2.Nanosecond()}
		c := 0
		for i := range r1 {
			if r1[i] != r2[i] {
				c = cmpInt(int64(r2[i]), int64(r1[i]))
				break
			}
		}
		if m > 0 && c < 0 {
			m--
		} else if m < 0 && c > 0 {
			m++
		}
		if part == partYear {
			return m / 12
		}
		return m
	}
	secs := t2.i - t1.i
	ns := t2.nanosecond() - t1.nanosecond()
	if secs > 0 && ns < 0 {
		secs--
	} else if secs < 0 && ns > 0 {
		secs++
	}
	switch part {
	case partDay:
		return secs / 86400
	case partHour:
		return secs / 3600
	case partMinute:
		return secs / 60
	}
	return secs
}

// toStringNode is TO_STRING(ts, 'pattern'), the pattern compiled at Compile.
type toStringNode struct {
	x      expr
	layout []layoutElem
	at     string
}

// layoutElem is a run of one pattern letter, or literal text when letter
// is 0.
type layoutElem struct {
	letter byte
	n      int
	text   string
}

func (p *parser) toString(fn token, at string) expr {
	args := p.args(fn, 2)
	pat, ok := args[1].(*litNode)
	if !ok || pat.v.k != kString {
		p.fail(fn.pos, "the pattern of TO_STRING must be a string literal")
	}
	layout, msg := compileLayout(string(pat.v.s))
	if msg != "" {
		p.fail(fn.pos, "TO_STRING pattern %q: %s", pat.v.s, msg)
	}
	return &toStringNode{args[0], layout, at}
}

// compileLayout parses a TO_STRING pattern: runs of the letters y M d a h H
// m s S n X x, 'quoted text' (” for a quote) and any other non-letter as
// itself.
func compileLayout(pat string) ([]layoutElem, string) {
	var out []layoutElem
	for i := 0; i < len(pat); {
		c := pat[i]
		switch {
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(pat[j:], '\'')
				if k < 0 {
					return nil, "quoted text is not closed"
				}
				b.WriteString(pat[j : j+k])
				j += k + 1
				if j < len(pat) && pat[j] == '\'' {
					b.WriteByte('\'')
					j++
					continue
				}
				break
			}
			if j == i+2 {
				b.WriteByte('\'')
			}
			out = append(out, layoutElem{text: b.String()})
			i = j
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			if !strings.ContainsRune("yMdahHmsSnXx", rune(c)) {
				return nil, "unknown pattern letter " + strconv.Quote(string(c))
			}
			j := i
			for j < len(pat) && pat[j] == c {
				j++
			}
			n := j - i
			if c == 'X' || c == 'x' {
				if n > 3 {
					return nil, "too many pattern letters " + strconv.Quote(pat[i:j])
				}
			}
			out = append(out, layoutElem{letter: c, n: n})
			i = j
		default:
			out = append(out, layoutElem{text: string(c)})
			i++
		}
	}
	return out, ""
}

func (n *toStringNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	ts, null, err := tsOperand(v, "TO_STRING", n.at)
	if err != nil || null {
		return nullValue, err
	}
	t := ts.local()
	start := len(r.arena)
	b := r.arena
	pad := func(x, n int) {
		s := strconv.Itoa(x)
		for i := len(s); i < n; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	for _, e := range n.layout {
		switch e.letter {
		case 0:
			b = append(b, e.text...)
		case 'y':
			if e.n == 2 {
				pad(t.Year()%100, 2)
			} else {
				pad(t.Year(), e.n)
			}
		case 'M':
			switch {
			case e.n >= 5:
				b = append(b, t.Month().String()[0])
			case e.n == 4:
				b = append(b, t.Month().String()...)
			case e.n == 3:
				b = append(b, t.Month().String()[:3]...)
			default:
				pad(int(t.Month()), e.n)
			}
		case 'd':
			pad(t.Day(), e.n)
		case 'a':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, e.n)
		case 'H':
			pad(t.Hour(), e.n)
		case 'm':
			pad(t.Minute(), e.n)
		case 's':
			pad(t.Second(), e.n)
		case 'S':
			frac := strconv.Itoa(t.Nanosecond() + 1e9)[1:]
			for i := 0; i < e.n; i++ {
				if i < len(frac) {
					b = append(b, frac[i])
				} else {
					b = append(b, '0')
				}
			}
		case 'n':
			pad(t.Nanosecond(), e.n)
		case 'X', 'x':
			switch off := ts.offset(); {
			case off == 0 && e.letter == 'X':
				b = append(b, 'Z')
			case e.n == 1 && off%3600 == 0:
				b = appendOffset(b, off, false, false)
				b = b[:len(b)-2] // hours only
			default:
				b = appendOffset(b, off, false, e.n == 3)
			}
		}
	}
	r.arena = b
	return value{k: kString, s: b[start:]}, nil
}
