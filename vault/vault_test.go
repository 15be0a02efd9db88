package vault

import (
	"reflect"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/lock"
	"github.com/oklog/ulid/v2"
)

// fullRecord has every field of Record set, reference fields included.
func fullRecord() *Record {
	t0 := time.Date(2026, 12, 4, 1, 2, 3, 0, time.UTC)
	return &Record{
		ID:            ulid.Make(),
		Account:       "111122223333",
		Name:          "v",
		Created:       t0,
		Tags:          map[string]string{"k": "v"},
		Notifications: &firn.VaultNotificationConfig{SNSTopic: "arn:aws:sns:us-east-1:111122223333:t", Events: []string{firn.EventArchiveRetrievalCompleted}},
		AccessPolicy:  `{"Version":"2012-10-17"}`,
		Lock:          lock.Lock{State: lock.InProgress, ID: "id", Policy: "p", Created: t0, Expiry: t0.Add(time.Hour)},
		LastWrite:     t0,
		Inventory:     &Inventory{Date: t0, Archives: 1, Bytes: 2},
		Segments:      []Segment{{ID: ulid.Make(), Size: 3}},
	}
}

func TestCloneCopiesEveryField(t *testing.T) {
	r := fullRecord()
	// A field the fixture leaves zero would go unchecked below.
	rv := reflect.ValueOf(r).Elem()
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Fatalf("fullRecord leaves Record.%s zero: set it", rv.Type().Field(i).Name)
		}
	}
	c := r.Clone()
	if !reflect.DeepEqual(c, r) {
		t.Fatalf("Clone = %+v, want %+v", c, r)
	}
	// Change everything the clone holds by reference; the original keeps
	// its values.
	want := fullRecord()
	want.ID, want.Segments[0].ID = r.ID, r.Segments[0].ID
	c.Tags["k"] = "changed"
	c.Notifications.Events[0] = "changed"
	c.Notifications.SNSTopic = "changed"
	c.Inventory.Archives = 99
	c.Segments[0].Size = 99
	if !reflect.DeepEqual(r, want) {
		t.Errorf("changing the clone changed the original: %+v", r)
	}
}

func TestCloneNil(t *testing.T) {
	r := &Record{Name: "v"}
	if c := r.Clone(); !reflect.DeepEqual(c, r) {
		t.Errorf("Clone = %+v, want %+v", c, r)
	}
}

// TestCloneKnowsEveryReference fails when Record gains a field that holds
// memory by reference, which Clone must then copy (and this list name).
func TestCloneKnowsEveryReference(t *testing.T) {
	handled := map[string]bool{"Tags": true, "Notifications": true, "Inventory": true, "Segments": true}
	var walk func(path string, t reflect.Type) []string
	walk = func(path string, typ reflect.Type) []string {
		switch typ.Kind() {
		case reflect.Map, reflect.Pointer, reflect.Slice, reflect.Interface, reflect.Chan, reflect.Func:
			return []string{path}
		case reflect.Struct:
			if typ == reflect.TypeOf(time.Time{}) {
				return nil
			}
			var refs []string
			for i := range typ.NumField() {
				refs = append(refs, walk(path+"."+typ.Field(i).Name, typ.Field(i).Type)...)
			}
			return refs
		}
		return nil
	}
	rt := reflect.TypeOf(Record{})
	for i := range rt.NumField() {
		f := rt.Field(i)
		if handled[f.Name] {
			continue
		}
		if refs := walk(f.Name, f.Type); len(refs) > 0 {
			t.Errorf("Record.%s holds references (%v): copy them in Clone and name the field here", f.Name, refs)
		}
	}
}
