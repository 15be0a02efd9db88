package csvselect

import (
	"fmt"
	"strings"

	"github.com/firnstore/firn"
)

type headerInfo uint8

const (
	headerNone headerInfo = iota
	headerIgnore
	headerUse
)

// inputFormat is a validated firn.CSVInput.
type inputFormat struct {
	header  headerInfo
	comment byte // 0: none
	field   byte
	record  []byte // one or two bytes
	quote   byte
	escape  byte
	crlf    bool // record is "\n": a '\r' before it is dropped
}

// outputFormat is a validated firn.CSVOutput.
type outputFormat struct {
	always bool
	field  byte
	record []byte
	quote  byte
	escape byte
}

const (
	inPrefix  = "SelectParameters.InputSerialization.csv."
	outPrefix = "SelectParameters.OutputSerialization.csv."
)

// char validates a single-character setting: empty means def (0 for none).
func char(problems []string, field, v string, def byte) (byte, []string) {
	switch {
	case v == "":
		return def, problems
	case len(v) == 1 && v[0] != 0 && v[0] < 0x80:
		return v[0], problems
	}
	return def, append(problems, fmt.Sprintf("%s: must be a single ASCII character, not %q", field, v))
}

// delimiter validates a RecordDelimiter: one or two ASCII characters.
func delimiter(problems []string, field, v string) ([]byte, []string) {
	if v == "" {
		return []byte{'\n'}, problems
	}
	if len(v) > 2 || strings.ContainsFunc(v, func(r rune) bool { return r == 0 || r >= 0x80 }) {
		return []byte{'\n'}, append(problems, fmt.Sprintf("%s: must be one or two ASCII characters, not %q", field, v))
	}
	return []byte(v), problems
}

// distinct reports settings that would make the CSV ambiguous: each named
// character must differ from the others it is listed with.
func distinct(problems []string, prefix string, chars []namedChar, record []byte) []string {
	for i, a := range chars {
		if a.c == 0 {
			continue
		}
		for _, b := range chars[i+1:] {
			if a.c == b.c && !(a.name == "QuoteCharacter" && b.name == "QuoteEscapeCharacter") {
				problems = append(problems, fmt.Sprintf("%s%s: %q is also the %s", prefix, b.name, b.c, a.name))
			}
		}
		if strings.IndexByte(string(record), a.c) >= 0 {
			problems = append(problems, fmt.Sprintf("%s%s: %q is part of the RecordDelimiter %q", prefix, a.name, a.c, record))
		}
	}
	return problems
}

type namedChar struct {
	name string
	c    byte
}

func parseInput(in *firn.CSVInput, problems []string) (inputFormat, []string) {
	if in == nil {
		in = &firn.CSVInput{}
	}
	var f inputFormat
	switch strings.ToUpper(in.FileHeaderInfo) {
	case "", firn.FileHeaderInfoNone:
		f.header = headerNone
	case firn.FileHeaderInfoIgnore:
		f.header = headerIgnore
	case firn.FileHeaderInfoUse:
		f.header = headerUse
	default:
		problems = append(problems, fmt.Sprintf("%sFileHeaderInfo: must be USE, IGNORE or NONE, not %q", inPrefix, in.FileHeaderInfo))
	}
	f.comment, problems = char(problems, inPrefix+"Comments", in.Comments, 0)
	f.field, problems = char(problems, inPrefix+"FieldDelimiter", in.FieldDelimiter, ',')
	f.quote, problems = char(problems, inPrefix+"QuoteCharacter", in.QuoteCharacter, '"')
	f.escape, problems = char(problems, inPrefix+"QuoteEscapeCharacter", in.QuoteEscapeCharacter, '"')
	f.record, problems = delimiter(problems, inPrefix+"RecordDelimiter", in.RecordDelimiter)
	f.crlf = len(f.record) == 1 && f.record[0] == '\n'
	problems = distinct(problems, inPrefix, []namedChar{
		{"FieldDelimiter", f.field},
		{"QuoteCharacter", f.quote},
		{"QuoteEscapeCharacter", f.escape},
		{"Comments", f.comment},
	}, f.record)
	return f, problems
}

func parseOutput(out *firn.CSVOutput, problems []string) (outputFormat, []string) {
	if out == nil {
		out = &firn.CSVOutput{}
	}
	var f outputFormat
	switch strings.ToUpper(out.QuoteFields) {
	case "", firn.QuoteFieldsAsNeeded:
	case firn.QuoteFieldsAlways:
		f.always = true
	default:
		problems = append(problems, fmt.Sprintf("%sQuoteFields: must be ALWAYS or ASNEEDED, not %q", outPrefix, out.QuoteFields))
	}
	f.field, problems = char(problems, outPrefix+"FieldDelimiter", out.FieldDelimiter, ',')
	f.quote, problems = char(problems, outPrefix+"QuoteCharacter", out.QuoteCharacter, '"')
	f.escape, problems = char(problems, outPrefix+"QuoteEscapeCharacter", out.QuoteEscapeCharacter, '"')
	f.record, problems = delimiter(problems, outPrefix+"RecordDelimiter", out.RecordDelimiter)
	problems = distinct(problems, outPrefix, []namedChar{
		{"FieldDelimiter", f.field},
		{"QuoteCharacter", f.quote},
		{"QuoteEscapeCharacter", f.escape},
	}, f.record)
	return f, problems
}
