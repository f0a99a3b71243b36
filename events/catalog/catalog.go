// Package catalog is hookrelay's event catalogue: one JSON file per known
// event type, beside this file, each with a description, the JSON Schema
// (draft 2020-12) of the event's data and an example. The API lists it and
// refuses a published event of a catalogued type whose data fails its
// schema; types not in the catalogue are accepted as they come.
package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

//go:embed *.json
var files embed.FS

// EventType is one entry of the catalogue.
type EventType struct {
	Type        string          `json:"type"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Example     json.RawMessage `json:"example"`
}

// Catalog is the loaded catalogue with each schema compiled.
type Catalog struct {
	types   []EventType
	schemas map[string]*jsonschema.Schema
}

// Load reads and compiles the embedded catalogue. It fails if a file is not
// named after its type, a schema does not compile or an example does not
// validate.
func Load() (*Catalog, error) {
	entries, err := files.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c := &Catalog{schemas: map[string]*jsonschema.Schema{}}
	for _, e := range entries {
		t, err := loadType(e.Name())
		if err != nil {
			return nil, err
		}
		sch, err := compile(t)
		if err != nil {
			return nil, err
		}
		c.types = append(c.types, t)
		c.schemas[t.Type] = sch
		if err := c.Validate(t.Type, t.Example); err != nil {
			return nil, fmt.Errorf("catalog: example of %s: %w", t.Type, err)
		}
	}
	sort.Slice(c.types, func(i, j int) bool { return c.types[i].Type < c.types[j].Type })
	return c, nil
}

// loadType reads one catalogue file.
func loadType(name string) (EventType, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return EventType{}, fmt.Errorf("catalog: %w", err)
	}
	var t EventType
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return EventType{}, fmt.Errorf("catalog: %s: %w", name, err)
	}
	if want := strings.TrimSuffix(name, path.Ext(name)); t.Type != want {
		return EventType{}, fmt.Errorf("catalog: %s describes type %q", name, t.Type)
	}
	if err := webhook.ValidateEventType("type", t.Type); err != nil {
		return EventType{}, fmt.Errorf("catalog: %s: %w", name, err)
	}
	if t.Description == "" || len(t.Schema) == 0 || len(t.Example) == 0 {
		return EventType{}, fmt.Errorf("catalog: %s needs a description, a schema and an example", name)
	}
	return t, nil
}

// noLoader refuses to load any schema from outside the catalogue.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("catalog: schemas may not refer to %s", url)
}

// compile compiles one type's schema, asserting formats such as date-time.
func compile(t EventType) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(t.Schema))
	if err != nil {
		return nil, fmt.Errorf("catalog: schema of %s: %w", t.Type, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	loc := "urn:hookrelay:event:" + t.Type
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("catalog: schema of %s: %w", t.Type, err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("catalog: schema of %s: %w", t.Type, err)
	}
	return sch, nil
}

// Types returns the catalogue, sorted by type. A nil catalogue is empty.
func (c *Catalog) Types() []EventType {
	if c == nil {
		return []EventType{}
	}
	return c.types
}

// Lookup returns the entry of one type.
func (c *Catalog) Lookup(eventType string) (EventType, bool) {
	for _, t := range c.Types() {
		if t.Type == eventType {
			return t, true
		}
	}
	return EventType{}, false
}

// Validate checks an event's data against its type's schema. Data of a type
// that is not catalogued is not checked. A mismatch is a validation error
// of the field "data" saying where and why. A nil catalogue checks nothing.
func (c *Catalog) Validate(eventType string, data []byte) error {
	if c == nil {
		return nil
	}
	sch, ok := c.schemas[eventType]
	if !ok {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return webhook.Invalid("data", "is not valid JSON")
	}
	err = sch.Validate(v)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		return webhook.Invalid("data", "does not match the schema of %s: %s", eventType, describe(ve))
	}
	if err != nil {
		return fmt.Errorf("catalog: validate %s: %w", eventType, err)
	}
	return nil
}

var printer = message.NewPrinter(language.English)

// describe names the first innermost failure: where in data, and why.
func describe(e *jsonschema.ValidationError) string {
	for len(e.Causes) > 0 {
		e = e.Causes[0]
	}
	where := "data"
	if len(e.InstanceLocation) > 0 {
		where = "data/" + strings.Join(e.InstanceLocation, "/")
	}
	return where + ": " + e.ErrorKind.LocalizedString(printer)
}
