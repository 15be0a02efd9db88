package csvselect

import (
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF       tokKind = iota
	tIdent             // identifier or keyword, as written
	tQuoted            // "identifier", unescaped
	tString            // 'string', unescaped
	tInt               // digits
	tNumber            // digits with a point or an exponent
	tTimestamp         // `timestamp`, without the backticks
	tPunct             // operator or punctuation
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the expression
}

// describe names a token in an error message.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return "'" + strings.ReplaceAll(t.text, "'", "''") + "'"
	case tQuoted:
		return `"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`
	case tTimestamp:
		return "`" + t.text + "`"
	}
	return `"` + t.text + `"`
}

// reserved are the words that cannot name a column or an alias unless
// double-quoted: the keywords of the dialect and of the SQL it rejects.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "LIMIT": true, "AS": true,
	"AND": true, "OR": true, "NOT": true, "LIKE": true, "ESCAPE": true,
	"BETWEEN": true, "IN": true, "IS": true, "NULL": true, "MISSING": true,
	"TRUE": true, "FALSE": true, "CAST": true, "FOR": true, "LEADING": true,
	"TRAILING": true, "BOTH": true, "DISTINCT": true, "ALL": true, "GROUP": true,
	"ORDER": true, "BY": true, "HAVING": true, "UNION": true, "JOIN": true,
	"CASE": true, "WHEN": true, "THEN": true, "ELSE": true, "END": true,
	"OFFSET": true,
}

// lex splits an expression into tokens; the last one is tEOF.
func lex(src string) ([]token, *syntaxError) {
	var toks []token
	i := 0
	for {
		for i < len(src) {
			c := src[i]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
				i++
				continue
			case strings.HasPrefix(src[i:], "--"):
				for i < len(src) && src[i] != '\n' {
					i++
				}
				continue
			case strings.HasPrefix(src[i:], "/*"):
				end := strings.Index(src[i+2:], "*/")
				if end < 0 {
					return nil, &syntaxError{i, "syntax: comment is not closed"}
				}
				i += end + 4
				continue
			}
			break
		}
		if i == len(src) {
			return append(toks, token{kind: tEOF, pos: i}), nil
		}
		start := i
		c := src[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			for i < len(src) && (src[i] == '_' || 'a' <= src[i] && src[i] <= 'z' || 'A' <= src[i] && src[i] <= 'Z' || '0' <= src[i] && src[i] <= '9') {
				i++
			}
			toks = append(toks, token{tIdent, src[start:i], start})
		case '0' <= c && c <= '9' || c == '.' && i+1 < len(src) && '0' <= src[i+1] && src[i+1] <= '9':
			kind := tInt
			for i < len(src) && '0' <= src[i] && src[i] <= '9' {
				i++
			}
			if i < len(src) && src[i] == '.' {
				kind = tNumber
				i++
				for i < len(src) && '0' <= src[i] && src[i] <= '9' {
					i++
				}
			}
			if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
				j := i + 1
				if j < len(src) && (src[j] == '+' || src[j] == '-') {
					j++
				}
				if j < len(src) && '0' <= src[j] && src[j] <= '9' {
					kind = tNumber
					for i = j; i < len(src) && '0' <= src[i] && src[i] <= '9'; i++ {
					}
				}
			}
			toks = append(toks, token{kind, src[start:i], start})
		case c == '\'' || c == '"':
			text, end, ok := quotedText(src, i, c)
			if !ok {
				what := "string literal"
				if c == '"' {
					what = "quoted identifier"
				}
				return nil, &syntaxError{start, "syntax: " + what + " is not closed"}
			}
			kind := tString
			if c == '"' {
				kind = tQuoted
			}
			i = end
			toks = append(toks, token{kind, text, start})
		case c == '`':
			end := strings.IndexByte(src[i+1:], '`')
			if end < 0 {
				return nil, &syntaxError{start, "syntax: timestamp literal is not closed"}
			}
			i += end + 2
			toks = append(toks, token{tTimestamp, src[start+1 : i-1], start})
		default:
			n := 0
			for _, op := range [...]string{"<=", ">=", "<>", "!=", "||", "(", ")", ",", ".", "*", "+", "-", "/", "%", "=", "<", ">"} {
				if strings.HasPrefix(src[i:], op) {
					n = len(op)
					break
				}
			}
			if n == 0 {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, &syntaxError{start, "syntax: unexpected character " + quoteRune(r)}
			}
			i += n
			toks = append(toks, token{tPunct, src[start:i], start})
		}
	}
}

func quoteRune(r rune) string {
	if r == '\'' {
		return `"'"`
	}
	return "'" + string(r) + "'"
}

// quotedText reads a literal quoted with q starting at src[i], where a
// doubled q stands for one; end is the offset after the closing quote.
func quotedText(src string, i int, q byte) (text string, end int, ok bool) {
	var b strings.Builder
	i++
	for {
		j := strings.IndexByte(src[i:], q)
		if j < 0 {
			return "", 0, false
		}
		b.WriteString(src[i : i+j])
		i += j + 1
		if i < len(src) && src[i] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i, true
	}
}
