package migrate

import (
	"fmt"
	"strings"
)

// nameTemplate is a parsed S3SinkConfig.Name, whose documentation states
// the language, the safe names, and how names are assigned.
type nameTemplate []namePart

// namePart is literal text, or a field when field is true.
type namePart struct {
	text  string
	field bool
}

// The fields of a template.
const (
	nameFieldID          = "id"
	nameFieldDescription = "description"
	nameFieldDate        = "date"
	nameFieldTreeHash    = "treehash"
)

// s3MaxKeyLen is S3's limit on an object key, in bytes.
const s3MaxKeyLen = 1024

// parseNameTemplate parses s. Literal text must be safe in a name.
func parseNameTemplate(s string) (nameTemplate, error) {
	var t nameTemplate
	hasIdentity := false
	for rest := s; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			t = append(t, namePart{text: rest})
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("name template %q: '}' without '{'", s)
		}
		if open > 0 {
			t = append(t, namePart{text: rest[:open]})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("name template %q: '{' without '}'", s)
		}
		name := rest[open+1 : open+end]
		switch name {
		case nameFieldID, nameFieldDescription:
			hasIdentity = true
		case nameFieldDate, nameFieldTreeHash:
		default:
			return nil, fmt.Errorf("name template %q: unknown field {%s}; the fields are {id}, {description}, {date} and {treehash}", s, name)
		}
		t = append(t, namePart{text: name, field: true})
		rest = rest[open+end+1:]
	}
	if !hasIdentity {
		return nil, fmt.Errorf("name template %q: holds neither {id} nor {description}, so archives could share a name", s)
	}
	// Fields expand to safe text here; what is unsafe is the literal text.
	sample := &Archive{ID: "i", Description: "d", TreeHash: "0"}
	if name := t.render(sample, true); !safeName(name) {
		return nil, fmt.Errorf("name template %q: its literal text makes unsafe names such as %q", s, name)
	}
	return t, nil
}

// render returns a's name, with its description or, if !useDescription,
// its ID in place of {description}.
func (t nameTemplate) render(a *Archive, useDescription bool) string {
	var b strings.Builder
	for _, p := range t {
		switch {
		case !p.field:
			b.WriteString(p.text)
		case p.text == nameFieldID, p.text == nameFieldDescription && !useDescription:
			b.WriteString(a.ID)
		case p.text == nameFieldDescription:
			b.WriteString(a.Description)
		case p.text == nameFieldDate:
			b.WriteString(a.CreationDate.UTC().Format("2006-01-02"))
		case p.text == nameFieldTreeHash:
			b.WriteString(a.TreeHash)
		}
	}
	return b.String()
}

func (t nameTemplate) usesDescription() bool {
	for _, p := range t {
		if p.field && p.text == nameFieldDescription {
			return true
		}
	}
	return false
}

// safeName reports whether name is safe as S3SinkConfig.Name says, but
// for the length of the key.
func safeName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(" /!'()+,-.=@_", c) >= 0
		if !ok {
			return false
		}
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" || seg == "." || seg == ".." || seg[0] == ' ' || seg[len(seg)-1] == ' ' {
			return false
		}
	}
	return true
}

// assignNames returns the name of each archive of inventory, in its order; reserved names (the manifest's) are
// given to none (S3SinkConfig.Name says how). maxLen bounds a name's length. It returns an error if
// fallback names are unsafe or collide.
func assignNames(t nameTemplate, inventory []Archive, reserved []string, maxLen int) ([]string, error) {
	var ns namespace
	for _, r := range reserved {
		ns.add(r, -1)
	}
	names := make([]string, len(inventory))
	for i := range inventory {
		a := &inventory[i]
		name := t.render(a, false)
		if !safeName(name) || len(name) > maxLen {
			return nil, fmt.Errorf("archive %s: its name %q is not a safe object name", a.ID, name)
		}
		if other, ok := ns.conflict(name); ok {
			return nil, fmt.Errorf("archive %s: its name %q collides with %s", a.ID, name, ns.describe(other, inventory))
		}
		ns.add(name, i)
		names[i] = name
	}
	if !t.usesDescription() {
		return names, nil
	}
	for i := range inventory {
		name := t.render(&inventory[i], true)
		if name == names[i] || !safeName(name) || len(name) > maxLen {
			continue
		}
		ns.remove(names[i])
		if _, taken := ns.conflict(name); taken {
			ns.add(names[i], i)
			continue
		}
		ns.add(name, i)
		names[i] = name
	}
	return names, nil
}

// namespace is the object names given so far, with the directories they
// imply, so that no name is both a file and a directory.
type namespace struct {
	files map[string]int // name -> index of its archive; -1 for reserved
	dirs  map[string]int // directory -> number of names in it
}

func (ns *namespace) add(name string, owner int) {
	if ns.files == nil {
		ns.files, ns.dirs = map[string]int{}, map[string]int{}
	}
	ns.files[name] = owner
	for i := range len(name) {
		if name[i] == '/' {
			ns.dirs[name[:i]]++
		}
	}
}

func (ns *namespace) remove(name string) {
	delete(ns.files, name)
	for i := range len(name) {
		if name[i] == '/' {
			if ns.dirs[name[:i]]--; ns.dirs[name[:i]] == 0 {
				delete(ns.dirs, name[:i])
			}
		}
	}
}

// conflict reports whether name is taken, is a directory, or lies in a
// directory that is a file; owner is the file's owner, or -2 for a
// directory.
func (ns *namespace) conflict(name string) (owner int, ok bool) {
	if o, ok := ns.files[name]; ok {
		return o, true
	}
	if ns.dirs[name] > 0 {
		return -2, true
	}
	for i := range len(name) {
		if name[i] == '/' {
			if o, ok := ns.files[name[:i]]; ok {
				return o, true
			}
		}
	}
	return 0, false
}

func (ns *namespace) describe(owner int, inventory []Archive) string {
	switch owner {
	case -1:
		return "the manifest"
	case -2:
		return "a directory of other archives"
	}
	return "archive " + inventory[owner].ID
}
