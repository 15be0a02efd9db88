package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// node is a decoded JSON value. Unlike map[string]any it keeps object members
// in document order, so errors are reported deterministically, and it keeps
// number literals as written ("365" stays "365").
type node struct {
	kind   kind
	text   string // string value, number literal, or "true"/"false"
	items  []node
	fields []member
}

type member struct {
	key string
	val node
}

// decodeJSON parses doc as exactly one JSON value. It rejects trailing data
// and duplicate object keys, which encoding/json would silently accept and
// which would make a policy ambiguous.
func decodeJSON(doc string) (node, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	n, err := readNode(dec)
	if err != nil {
		return node{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return node{}, fmt.Errorf("unexpected data after the top-level value at byte %d", dec.InputOffset())
	}
	return n, nil
}

func readNode(dec *json.Decoder) (node, error) {
	tok, err := dec.Token()
	if err != nil {
		return node{}, syntaxError(err, dec)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			n := node{kind: kindArray}
			for dec.More() {
				item, err := readNode(dec)
				if err != nil {
					return node{}, err
				}
				n.items = append(n.items, item)
			}
			if _, err := dec.Token(); err != nil {
				return node{}, syntaxError(err, dec)
			}
			return n, nil
		}
		n := node{kind: kindObject}
		seen := make(map[string]bool)
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return node{}, syntaxError(err, dec)
			}
			key := tok.(string) // the decoder only yields strings in key position
			if seen[key] {
				return node{}, fmt.Errorf("duplicate key %q", key)
			}
			seen[key] = true
			val, err := readNode(dec)
			if err != nil {
				return node{}, err
			}
			n.fields = append(n.fields, member{key, val})
		}
		if _, err := dec.Token(); err != nil {
			return node{}, syntaxError(err, dec)
		}
		return n, nil
	case string:
		return node{kind: kindString, text: t}, nil
	case json.Number:
		return node{kind: kindNumber, text: string(t)}, nil
	case bool:
		if t {
			return node{kind: kindBool, text: "true"}, nil
		}
		return node{kind: kindBool, text: "false"}, nil
	default:
		return node{kind: kindNull}, nil
	}
}

func syntaxError(err error, dec *json.Decoder) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of JSON input")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, se)
	}
	return fmt.Errorf("malformed JSON at byte %d: %v", dec.InputOffset(), err)
}
