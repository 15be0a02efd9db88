package csvselect

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/firnstore/firn"
)

// syntaxError is a problem at a byte offset of the expression; the parser
// panics with it and parseQuery turns it into a *firn.Error.
type syntaxError struct {
	pos int
	msg string
}

// position returns the 1-based line and column (in characters) of a byte
// offset.
func position(src string, pos int) (line, col int) {
	line = 1 + strings.Count(src[:pos], "\n")
	return line, 1 + utf8.RuneCountInString(src[strings.LastIndexByte(src[:pos], '\n')+1:pos])
}

type parser struct {
	q    *Query
	src  string
	toks []token
	i    int

	depth int
	quals []token
	slots map[nameRef]int

	lastPos, lastLine, lastCol int // the last position formatted by loc
}

func parseQuery(q *Query) (err error) {
	toks, serr := lex(q.expr)
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			serr = se
		}
		if serr != nil {
			line, col := position(q.expr, serr.pos)
			err = firn.Errorf(firn.CodeInvalidParameterValue, "SelectParameters.Expression: %s at line %d, column %d: %s",
				errKind(serr.msg), line, col, strings.TrimPrefix(serr.msg, "syntax: "))
		}
	}()
	if serr != nil {
		return nil
	}
	p := &parser{q: q, src: q.expr, toks: toks, slots: map[nameRef]int{}, lastLine: 1, lastCol: 1}
	p.query()
	return nil
}

// errKind tells syntax errors, whose message starts "syntax: ", from
// others.
func errKind(msg string) string {
	if strings.HasPrefix(msg, "syntax: ") {
		return "syntax error"
	}
	return "error"
}

func (p *parser) fail(pos int, format string, args ...any) {
	panic(&syntaxError{pos, fmt.Sprintf(format, args...)})
}

func (p *parser) unexpected(expected string) {
	t := p.peek()
	what := "token " + t.describe()
	if t.kind == tEOF {
		what = t.describe()
	}
	if expected == "" {
		p.fail(t.pos, "syntax: unexpected %s", what)
	}
	p.fail(t.pos, "syntax: unexpected %s, expected %s", what, expected)
}

// loc formats a position for runtime error messages. Positions are mostly
// asked for in increasing order, so it counts on from the last one asked
// for, which keeps parsing linear in the length of the expression.
func (p *parser) loc(pos int) string {
	if pos < p.lastPos {
		p.lastPos, p.lastLine, p.lastCol = 0, 1, 1
	}
	seg := p.src[p.lastPos:pos]
	if nl := strings.LastIndexByte(seg, '\n'); nl >= 0 {
		p.lastLine += strings.Count(seg, "\n")
		p.lastCol = 1
		seg = seg[nl+1:]
	}
	p.lastCol += utf8.RuneCountInString(seg)
	p.lastPos = pos
	return fmt.Sprintf("line %d, column %d", p.lastLine, p.lastCol)
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func isKeyword(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }
func isPunct(t token, s string) bool    { return t.kind == tPunct && t.text == s }

// keyword consumes the next token if it is the keyword kw.
func (p *parser) keyword(kw string) bool {
	if isKeyword(p.peek(), kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) punct(s string) bool {
	if isPunct(p.peek(), s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKeyword(kw string) token {
	if !isKeyword(p.peek(), kw) {
		p.unexpected(kw)
	}
	return p.advance()
}

func (p *parser) expectPunct(s string) token {
	if !isPunct(p.peek(), s) {
		p.unexpected(`"` + s + `"`)
	}
	return p.advance()
}

// enter counts one level of nesting of the expression tree: a parenthesis,
// a function call, a prefix operator or one more operator in a chain. The
// function that started the level restores p.depth.
func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.peek().pos, "expression is nested more than %d levels deep", maxDepth)
	}
}

func (p *parser) restore(d int) { p.depth = d }

func (p *parser) unsupported() {
	t := p.peek()
	for _, kw := range []string{"DISTINCT", "GROUP", "ORDER", "HAVING", "LIMIT", "UNION", "JOIN", "OFFSET", "CASE"} {
		if isKeyword(t, kw) {
			p.fail(t.pos, "%s is not supported", strings.ToUpper(t.text))
		}
	}
}

func (p *parser) query() {
	q := p.q
	p.expectKeyword("SELECT")
	p.unsupported()
	switch {
	case isPunct(p.peek(), "*"):
		p.advance()
		q.star = true
	case p.peek().kind == tIdent && isPunct(p.peekAt(1), ".") && isPunct(p.peekAt(2), "*"):
		p.quals = append(p.quals, p.advance())
		p.advance()
		p.advance()
		q.star = true
	default:
		for {
			q.proj = append(q.proj, p.expr())
			if p.keyword("AS") {
				if t := p.peek(); t.kind != tIdent && t.kind != tQuoted || t.kind == tIdent && reserved[strings.ToUpper(t.text)] {
					p.unexpected("an alias")
				}
				p.advance()
			} else if t := p.peek(); t.kind == tIdent && !reserved[strings.ToUpper(t.text)] || t.kind == tQuoted {
				// An alias without AS must end the item, so that a
				// misspelled FROM is reported as such.
				if n := p.peekAt(1); !isPunct(n, ",") && !isKeyword(n, "FROM") {
					p.unexpected("FROM")
				}
				p.advance()
			}
			if !p.punct(",") {
				break
			}
		}
	}
	p.expectKeyword("FROM")
	table := p.peek()
	if isKeyword(table, "S3OBJECT") {
		p.fail(table.pos, "S3Object is the table of Amazon S3 Select; Glacier Select reads FROM ARCHIVE or OBJECT")
	}
	if table.kind != tIdent || !isKeyword(table, "ARCHIVE") && !isKeyword(table, "OBJECT") {
		p.unexpected("ARCHIVE")
	}
	p.advance()
	if isPunct(p.peek(), "[") || isPunct(p.peek(), ".") {
		p.fail(p.peek().pos, "paths into the archive (JSON) are not supported")
	}
	alias := ""
	if p.keyword("AS") {
		if t := p.peek(); t.kind != tIdent || reserved[strings.ToUpper(t.text)] {
			p.unexpected("an alias")
		}
		alias = p.advance().text
	} else if t := p.peek(); t.kind == tIdent && !reserved[strings.ToUpper(t.text)] {
		alias = p.advance().text
	}
	for _, t := range p.quals {
		if alias != "" && !strings.EqualFold(t.text, alias) || alias == "" && !strings.EqualFold(t.text, table.text) {
			want := alias
			if want == "" {
				want = table.text
			}
			p.fail(t.pos, "unknown name %q before \".\": the archive is called %q", t.text, want)
		}
	}
	if p.keyword("WHERE") {
		q.where = p.expr()
	}
	p.unsupported()
	if p.peek().kind != tEOF {
		p.unexpected("end of expression")
	}
}

func (p *parser) expr() expr { return p.or() }

func (p *parser) or() expr {
	l := p.and()
	if !isKeyword(p.peek(), "OR") {
		return l
	}
	n := &logicNode{or: true, args: []expr{l}}
	for isKeyword(p.peek(), "OR") {
		n.at = append(n.at, p.loc(p.advance().pos))
		n.args = append(n.args, p.and())
	}
	return n
}

func (p *parser) and() expr {
	l := p.not()
	if !isKeyword(p.peek(), "AND") {
		return l
	}
	n := &logicNode{args: []expr{l}}
	for isKeyword(p.peek(), "AND") {
		n.at = append(n.at, p.loc(p.advance().pos))
		n.args = append(n.args, p.not())
	}
	return n
}

func (p *parser) not() expr {
	defer p.restore(p.depth)
	if isKeyword(p.peek(), "NOT") {
		at := p.loc(p.advance().pos)
		p.enter()
		return &notNode{p.not(), at}
	}
	return p.equality()
}

var cmpOps = map[string]cmpOp{"=": opEq, "<>": opNe, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

func (p *parser) equality() expr {
	defer p.restore(p.depth)
	l := p.relational()
	for t := p.peek(); t.kind == tPunct && (t.text == "=" || t.text == "<>" || t.text == "!="); t = p.peek() {
		p.advance()
		p.enter()
		r := p.relational()
		l = p.fold(&cmpNode{cmpOps[t.text], l, r, p.loc(t.pos)}, t.pos, l, r)
	}
	return l
}

func (p *parser) relational() expr {
	defer p.restore(p.depth)
	l := p.like()
	for t := p.peek(); t.kind == tPunct && (t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">="); t = p.peek() {
		p.advance()
		p.enter()
		r := p.like()
		l = p.fold(&cmpNode{cmpOps[t.text], l, r, p.loc(t.pos)}, t.pos, l, r)
	}
	return l
}

// negated consumes [NOT] kw.
func (p *parser) negated(kw string) (ok, not bool) {
	if isKeyword(p.peek(), "NOT") && isKeyword(p.peekAt(1), kw) {
		p.i += 2
		return true, true
	}
	return p.keyword(kw), false
}

func (p *parser) like() expr {
	defer p.restore(p.depth)
	x := p.between()
	for {
		t := p.peek()
		if p.keyword("IS") {
			not := p.keyword("NOT")
			missing := p.keyword("MISSING")
			if !missing && !p.keyword("NULL") {
				p.unexpected("NULL or MISSING")
			}
			x = &isNode{x, missing, not}
			continue
		}
		ok, not := p.negated("LIKE")
		if !ok {
			return x
		}
		p.enter()
		n := &likeNode{x: x, pat: p.between(), not: not, at: p.loc(t.pos)}
		if p.keyword("ESCAPE") {
			n.esc = p.between()
		}
		pat, pok := n.pat.(*litNode)
		esc, eok := n.esc.(*litNode)
		if pok && pat.v.k == kString && (n.esc == nil || eok && esc.v.k == kString) {
			var es []byte
			if eok {
				es = esc.v.s
			}
			m, err := compileLike(pat.v.s, es, n.esc != nil)
			if err != nil {
				p.fail(t.pos, "%s", err.(*RuntimeError).Message)
			}
			n.m = m
		}
		x = n
	}
}

func (p *parser) between() expr {
	defer p.restore(p.depth)
	x := p.in()
	for {
		t := p.peek()
		ok, not := p.negated("BETWEEN")
		if !ok {
			return x
		}
		p.enter()
		lo := p.in()
		p.expectKeyword("AND")
		x = &betweenNode{x, lo, p.in(), not, p.loc(t.pos)}
	}
}

func (p *parser) in() expr {
	defer p.restore(p.depth)
	x := p.additive()
	for {
		t := p.peek()
		ok, not := p.negated("IN")
		if !ok {
			return x
		}
		p.enter()
		p.expectPunct("(")
		n := &inNode{x: x, not: not, at: p.loc(t.pos)}
		for {
			n.list = append(n.list, p.expr())
			if !p.punct(",") {
				break
			}
		}
		p.expectPunct(")")
		x = n
	}
}

func (p *parser) additive() expr {
	defer p.restore(p.depth)
	l := p.multiplicative()
	for t := p.peek(); t.kind == tPunct && (t.text == "+" || t.text == "-" || t.text == "||"); t = p.peek() {
		p.advance()
		p.enter()
		r := p.multiplicative()
		if t.text == "||" {
			l = p.fold(&concatNode{l, r}, t.pos, l, r)
		} else {
			l = p.fold(&arithNode{t.text[0], l, r, p.loc(t.pos)}, t.pos, l, r)
		}
	}
	return l
}

func (p *parser) multiplicative() expr {
	defer p.restore(p.depth)
	l := p.unary()
	for t := p.peek(); t.kind == tPunct && (t.text == "*" || t.text == "/" || t.text == "%"); t = p.peek() {
		p.advance()
		p.enter()
		r := p.unary()
		l = p.fold(&arithNode{t.text[0], l, r, p.loc(t.pos)}, t.pos, l, r)
	}
	return l
}

func (p *parser) unary() expr {
	defer p.restore(p.depth)
	t := p.peek()
	switch {
	case isPunct(t, "-"):
		p.advance()
		p.enter()
		if n := p.peek(); n.kind == tInt {
			p.advance()
			return p.number(n, "-")
		}
		x := p.unary()
		return p.fold(&negNode{x, p.loc(t.pos)}, t.pos, x)
	case isPunct(t, "+"):
		p.advance()
		p.enter()
		return p.unary()
	}
	return p.primary()
}

// number is an INT literal, or DECIMAL with a point or an exponent.
func (p *parser) number(t token, sign string) expr {
	if t.kind == tInt {
		n, err := strconv.ParseInt(sign+t.text, 10, 64)
		if err != nil {
			p.fail(t.pos, "integer literal %s%s is out of the range of INT", sign, t.text)
		}
		return &litNode{value{k: kInt, i: n}}
	}
	f, err := strconv.ParseFloat(sign+t.text, 64)
	if err != nil || math.IsInf(f, 0) {
		p.fail(t.pos, "number literal %s%s is out of range", sign, t.text)
	}
	return &litNode{floatValue(kDecimal, f)}
}

// fold evaluates a node whose operands are all literals, so that errors
// such as 1/0 or CAST('x' AS INT) are reported by Compile.
func (p *parser) fold(n expr, pos int, operands ...expr) expr {
	for _, o := range operands {
		if _, ok := o.(*litNode); !ok {
			return n
		}
	}
	v, err := n.eval(&row{now: p.q.now})
	if err != nil {
		// The error is the folded node's own; its position leads the message.
		p.fail(pos, "%s", strings.TrimSuffix(err.(*RuntimeError).Message, " (at "+p.loc(pos)+")"))
	}
	return &litNode{v}
}

func (p *parser) primary() expr {
	defer p.restore(p.depth)
	p.enter()
	start, t := p.i, p.peek()
	p.advance()
	switch t.kind {
	case tInt, tNumber:
		return p.number(t, "")
	case tString:
		return &litNode{value{k: kString, s: []byte(t.text)}}
	case tTimestamp:
		ts, ok := parseTimestamp([]byte(t.text))
		if !ok {
			p.fail(t.pos, "invalid timestamp literal %s", t.describe())
		}
		return &litNode{ts}
	case tQuoted:
		return p.column(t, true)
	case tPunct:
		if t.text == "(" {
			x := p.expr()
			p.expectPunct(")")
			return x
		}
	case tIdent:
		up := strings.ToUpper(t.text)
		if isPunct(p.peek(), "(") {
			return p.call(t, up)
		}
		switch up {
		case "NULL":
			return &litNode{nullValue}
		case "MISSING":
			return &litNode{value{k: kMissing}}
		case "TRUE":
			return &litNode{trueValue}
		case "FALSE":
			return &litNode{falseValue}
		}
		if reserved[up] {
			break
		}
		if p.punct(".") {
			p.quals = append(p.quals, t)
			c := p.peek()
			if c.kind != tIdent && c.kind != tQuoted {
				p.unexpected("a column name")
			}
			p.advance()
			return p.column(c, c.kind == tQuoted)
		}
		return p.column(t, false)
	}
	p.i = start
	p.unsupported()
	p.unexpected("")
	return nil
}

// column resolves a column reference: _N by position, anything else by
// header name.
func (p *parser) column(t token, quoted bool) expr {
	name := t.text
	if !quoted && len(name) > 1 && name[0] == '_' && strings.Trim(name[1:], "0123456789") == "" {
		n, err := strconv.Atoi(name[1:])
		if err != nil || n < 1 || n > MaxColumns {
			p.fail(t.pos, "column position %s is not between _1 and _%d", name, MaxColumns)
		}
		return &colNode{n - 1}
	}
	if p.q.in.header != headerUse {
		p.fail(t.pos, "column name %s needs InputSerialization.csv.FileHeaderInfo USE; use positions (_1, _2, ...) otherwise", t.describe())
	}
	ref := nameRef{name: name, quoted: quoted}
	slot, ok := p.slots[ref]
	if !ok {
		slot = len(p.q.names)
		p.slots[ref] = slot
		ref.at = p.loc(t.pos)
		p.q.names = append(p.q.names, ref)
	}
	return &nameNode{slot}
}

// args parses a parenthesized argument list of n expressions, or at least
// -n when n is negative.
func (p *parser) args(fn token, n int) []expr {
	p.expectPunct("(")
	var list []expr
	if !isPunct(p.peek(), ")") {
		for {
			list = append(list, p.expr())
			if !p.punct(",") {
				break
			}
		}
	}
	p.expectPunct(")")
	switch {
	case n >= 0 && len(list) != n:
		p.fail(fn.pos, "%s takes %d argument%s, not %d", strings.ToUpper(fn.text), n, plural(n), len(list))
	case n < 0 && len(list) < -n:
		p.fail(fn.pos, "%s takes at least %d argument%s, not %d", strings.ToUpper(fn.text), -n, plural(-n), len(list))
	}
	return list
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

var castTypes = map[string]kind{
	"INT": kInt, "INTEGER": kInt, "FLOAT": kFloat, "DECIMAL": kDecimal, "NUMERIC": kDecimal,
	"STRING": kString, "BOOL": kBool, "BOOLEAN": kBool, "TIMESTAMP": kTimestamp,
}

func (p *parser) call(fn token, name string) expr {
	at := p.loc(fn.pos)
	switch name {
	case "COUNT", "SUM", "AVG", "MIN", "MAX":
		// Glacier Select documents no aggregate functions (S3 Select has
		// them).
		p.fail(fn.pos, "aggregate function %s is not supported", name)
	case "CAST":
		p.expectPunct("(")
		x := p.expr()
		p.expectKeyword("AS")
		tt := p.peek()
		k, ok := castTypes[strings.ToUpper(tt.text)]
		if tt.kind != tIdent || !ok {
			p.unexpected("a type: INT, INTEGER, FLOAT, DECIMAL, NUMERIC, STRING, BOOL or TIMESTAMP")
		}
		p.advance()
		if k == kDecimal && p.punct("(") {
			// DECIMAL(precision[, scale]): accepted and ignored.
			p.integer()
			if p.punct(",") {
				p.integer()
			}
			p.expectPunct(")")
		}
		p.expectPunct(")")
		return p.fold(&castNode{x, k, at}, fn.pos, x)
	case "LOWER", "UPPER":
		return &caseNode{p.args(fn, 1)[0], name == "UPPER", at}
	case "CHAR_LENGTH", "CHARACTER_LENGTH":
		return &charLengthNode{p.args(fn, 1)[0], at}
	case "COALESCE":
		return &coalesceNode{p.args(fn, -1)}
	case "NULLIF":
		a := p.args(fn, 2)
		return &nullifNode{a[0], a[1], at}
	case "TRIM":
		return p.trim(at)
	case "SUBSTRING":
		return p.substring(fn, at)
	case "UTCNOW":
		p.args(fn, 0)
		p.q.usesNow = true
		return &utcNowNode{}
	case "TO_TIMESTAMP":
		return &toTimestampNode{p.args(fn, 1)[0], at}
	case "TO_STRING":
		return p.toString(fn, at)
	case "EXTRACT":
		return p.extract(at)
	case "DATE_ADD", "DATE_DIFF":
		return p.dateArith(fn, name, at)
	}
	p.fail(fn.pos, "unknown function %s", fn.describe())
	return nil
}

// integer consumes an integer literal.
func (p *parser) integer() {
	if p.peek().kind != tInt {
		p.unexpected("an integer")
	}
	p.advance()
}

// trim parses TRIM([[LEADING|TRAILING|BOTH] [chars] FROM] x).
func (p *parser) trim(at string) expr {
	p.expectPunct("(")
	n := &trimNode{at: at}
	mode := false
	switch {
	case p.keyword("LEADING"):
		n.mode, mode = trimLeading, true
	case p.keyword("TRAILING"):
		n.mode, mode = trimTrailing, true
	case p.keyword("BOTH"):
		n.mode, mode = trimBoth, true
	}
	switch {
	case mode && p.keyword("FROM"):
		n.x = p.expr()
	case mode:
		n.chars = p.expr()
		p.expectKeyword("FROM")
		n.x = p.expr()
	default:
		n.x = p.expr()
		if p.keyword("FROM") {
			n.chars, n.x = n.x, p.expr()
		}
	}
	p.expectPunct(")")
	return n
}

// substring parses SUBSTRING(x FROM start [FOR length]) and
// SUBSTRING(x, start [, length]).
func (p *parser) substring(fn token, at string) expr {
	p.expectPunct("(")
	n := &substringNode{x: p.expr(), at: at}
	switch {
	case p.keyword("FROM"):
		n.start = p.expr()
		if p.keyword("FOR") {
			n.length = p.expr()
		}
	case p.punct(","):
		n.start = p.expr()
		if p.punct(",") {
			n.length = p.expr()
		}
	default:
		p.unexpected("FROM or \",\"")
	}
	p.expectPunct(")")
	return n
}
