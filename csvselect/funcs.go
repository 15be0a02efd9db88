package csvselect

import (
	"bytes"
	"math"
	"unicode/utf8"
)

// strOperand reads the string argument of a string function or LIKE.
func strOperand(v value, fn, at string) ([]byte, bool, error) {
	switch {
	case v.isNull():
		return nil, true, nil
	case v.k == kString:
		return v.s, false, nil
	}
	return nil, false, locate(rtErr("InvalidDataType", "%s needs a STRING, not %s %s", fn, v.k, quoteValue(v)), at)
}

// intOperand reads an INT argument; strings are read as numbers.
func intOperand(v value, fn, at string) (int64, bool, error) {
	if v.isNull() {
		return 0, true, nil
	}
	if v.k == kString {
		var err error
		if v, err = parseNumber(v.s); err != nil {
			return 0, false, locate(err, at)
		}
	}
	if v.k != kInt {
		return 0, false, locate(rtErr("InvalidDataType", "%s needs an INT, not %s %s", fn, v.k, quoteValue(v)), at)
	}
	return v.i, false, nil
}

// caseNode is UPPER or LOWER.
type caseNode struct {
	x     expr
	upper bool
	at    string
}

func (n *caseNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	fn := "LOWER"
	if n.upper {
		fn = "UPPER"
	}
	s, null, err := strOperand(v, fn, n.at)
	if err != nil || null {
		return nullValue, err
	}
	start := len(r.arena)
	ascii := true
	for _, c := range s {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	switch {
	case !ascii && n.upper:
		r.arena = append(r.arena, bytes.ToUpper(s)...)
	case !ascii:
		r.arena = append(r.arena, bytes.ToLower(s)...)
	default:
		for _, c := range s {
			if n.upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !n.upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			r.arena = append(r.arena, c)
		}
	}
	return value{k: kString, s: r.arena[start:]}, nil
}

type charLengthNode struct {
	x  expr
	at string
}

func (n *charLengthNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	s, null, err := strOperand(v, "CHAR_LENGTH", n.at)
	if err != nil || null {
		return nullValue, err
	}
	return value{k: kInt, i: int64(utf8.RuneCount(s))}, nil
}

type trimMode uint8

const (
	trimBoth trimMode = iota
	trimLeading
	trimTrailing
)

// trimNode is TRIM([[LEADING|TRAILING|BOTH] [chars] FROM] x); chars
// defaults to a single space.
type trimNode struct {
	x, chars expr // chars may be nil
	mode     trimMode
	at       string
}

func (n *trimNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	s, null, err := strOperand(v, "TRIM", n.at)
	if err != nil || null {
		return nullValue, err
	}
	cut := " "
	if n.chars != nil {
		c, err := n.chars.eval(r)
		if err != nil {
			return value{}, err
		}
		cs, null, err := strOperand(c, "TRIM", n.at)
		if err != nil || null {
			return nullValue, err
		}
		cut = string(cs)
	}
	if n.mode != trimTrailing {
		s = bytes.TrimLeft(s, cut)
	}
	if n.mode != trimLeading {
		s = bytes.TrimRight(s, cut)
	}
	return value{k: kString, s: s}, nil
}

// substringNode is SUBSTRING(x FROM start [FOR length]): the characters at
// 1-based positions [start, start+length) that exist in x.
type substringNode struct {
	x, start, length expr // length may be nil
	at               string
}

func (n *substringNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	sv, err := n.start.eval(r)
	if err != nil {
		return value{}, err
	}
	var lv value
	if n.length != nil {
		if lv, err = n.length.eval(r); err != nil {
			return value{}, err
		}
	}
	s, null, err := strOperand(v, "SUBSTRING", n.at)
	if err != nil || null {
		return nullValue, err
	}
	start, null, err := intOperand(sv, "SUBSTRING", n.at)
	if err != nil || null {
		return nullValue, err
	}
	end := int64(math.MaxInt64)
	if n.length != nil {
		l, null, err := intOperand(lv, "SUBSTRING", n.at)
		if err != nil || null {
			return nullValue, err
		}
		if l < 0 {
			return value{}, locate(rtErr("InvalidArgument", "SUBSTRING length %d is negative", l), n.at)
		}
		if start > math.MaxInt64-l {
			end = math.MaxInt64
		} else {
			end = start + l - 1
		}
	}
	return value{k: kString, s: runeSlice(s, start-1, end)}, nil
}

// coalesceNode returns its first argument that is not NULL or MISSING,
// evaluating no further.
type coalesceNode struct{ args []expr }

func (n *coalesceNode) eval(r *row) (value, error) {
	for _, a := range n.args {
		v, err := a.eval(r)
		if err != nil || !v.isNull() {
			return v, err
		}
	}
	return nullValue, nil
}

// nullifNode is NULLIF(a, b): NULL when a = b, a otherwise.
type nullifNode struct {
	a, b expr
	at   string
}

func (n *nullifNode) eval(r *row) (value, error) {
	a, err := n.a.eval(r)
	if err != nil {
		return value{}, err
	}
	b, err := n.b.eval(r)
	if err != nil {
		return value{}, err
	}
	c, null, err := compare(a, b)
	if err != nil {
		return value{}, locate(err, n.at)
	}
	if !null && c == 0 {
		return nullValue, nil
	}
	return a, nil
}

// likeNode is x [NOT] LIKE pattern [ESCAPE esc]. A constant pattern is
// compiled once, at Compile.
type likeNode struct {
	x, pat, esc expr // esc may be nil
	m           *likeMatcher
	not         bool
	at          string
}

func (n *likeNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	s, null, err := strOperand(v, "LIKE", n.at)
	if err != nil {
		return value{}, err
	}
	m := n.m
	if m == nil {
		p, err := n.pat.eval(r)
		if err != nil {
			return value{}, err
		}
		ps, pnull, err := strOperand(p, "LIKE", n.at)
		if err != nil {
			return value{}, err
		}
		var es []byte
		enull := false
		if n.esc != nil {
			e, err := n.esc.eval(r)
			if err != nil {
				return value{}, err
			}
			if es, enull, err = strOperand(e, "LIKE ... ESCAPE", n.at); err != nil {
				return value{}, err
			}
		}
		if null || pnull || enull {
			return nullValue, nil
		}
		if m, err = compileLike(ps, es, n.esc != nil); err != nil {
			return value{}, locate(err, n.at)
		}
	}
	if null {
		return nullValue, nil
	}
	return boolValue(m.match(s) != n.not), nil
}

// likeMatcher matches LIKE patterns: % any run of characters, _ one
// character, other characters themselves (byte for byte, case-sensitive).
type likeMatcher struct {
	// segs is the pattern split at %, for patterns without _.
	segs [][]byte
	// elems is the pattern one element per byte, for patterns with _.
	elems []likeElem
}

type likeElem struct {
	kind uint8 // elemLit, elemOne, elemAny
	b    byte
}

const (
	elemLit uint8 = iota
	elemOne
	elemAny
)

// compileLike parses a pattern; with hasEsc, esc must be one character and
// may precede only %, _ or itself.
func compileLike(pat, esc []byte, hasEsc bool) (*likeMatcher, error) {
	escRune := rune(-1)
	if hasEsc {
		r, w := utf8.DecodeRune(esc)
		if len(esc) == 0 || w != len(esc) {
			return nil, rtErr("InvalidArgument", "LIKE ESCAPE must be a single character, not %s", quoteValue(value{k: kString, s: esc}))
		}
		escRune = r
	}
	m := &likeMatcher{}
	var elems []likeElem
	one := false
	for i := 0; i < len(pat); {
		r, w := utf8.DecodeRune(pat[i:])
		switch {
		case r == escRune:
			i += w
			r2, w2 := utf8.DecodeRune(pat[i:])
			if i >= len(pat) || r2 != '%' && r2 != '_' && r2 != escRune {
				return nil, rtErr("InvalidArgument", "LIKE pattern %s: the escape character must precede %%, _ or itself", quoteValue(value{k: kString, s: pat}))
			}
			for _, b := range pat[i : i+w2] {
				elems = append(elems, likeElem{kind: elemLit, b: b})
			}
			i += w2
			continue
		case r == '%':
			elems = append(elems, likeElem{kind: elemAny})
		case r == '_':
			elems = append(elems, likeElem{kind: elemOne})
			one = true
		default:
			for _, b := range pat[i : i+w] {
				elems = append(elems, likeElem{kind: elemLit, b: b})
			}
		}
		i += w
	}
	if one {
		m.elems = elems
		return m, nil
	}
	seg := []byte{}
	for _, e := range elems {
		if e.kind == elemAny {
			m.segs = append(m.segs, seg)
			seg = []byte{}
			continue
		}
		seg = append(seg, e.b)
	}
	m.segs = append(m.segs, seg)
	return m, nil
}

func (m *likeMatcher) match(s []byte) bool {
	if m.elems != nil {
		return matchElems(m.elems, s)
	}
	segs := m.segs
	if len(segs) == 1 {
		return bytes.Equal(s, segs[0])
	}
	first, last := segs[0], segs[len(segs)-1]
	if len(s) < len(first)+len(last) || !bytes.HasPrefix(s, first) || !bytes.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		i := bytes.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

// matchElems is wildcard matching with a single backtrack point: on a
// mismatch the last % absorbs one more character.
func matchElems(p []likeElem, s []byte) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch e := p[pi]; e.kind {
			case elemAny:
				starP, starS = pi, si
				pi++
				continue
			case elemOne:
				_, w := utf8.DecodeRune(s[si:])
				si += w
				pi++
				continue
			default:
				if s[si] == e.b {
					si++
					pi++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, w := utf8.DecodeRune(s[starS:])
		starS += w
		pi, si = starP+1, starS
	}
	for pi < len(p) && p[pi].kind == elemAny {
		pi++
	}
	return pi == len(p)
}
