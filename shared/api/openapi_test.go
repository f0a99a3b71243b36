package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hookrelay/hookrelay/shared/api"
)

// exchange is one request and answer made by a test through the harness.
type exchange struct {
	method, path string
	reqBody      []byte
	status       int
	resBody      []byte
	resType      string
}

// exchanges records every exchange of the test binary, for the OpenAPI
// check that runs after the tests.
var exchanges struct {
	sync.Mutex
	list []exchange
}

func record(req *http.Request, reqBody []byte, res *http.Response, resBody []byte) {
	exchanges.Lock()
	defer exchanges.Unlock()
	exchanges.list = append(exchanges.list, exchange{
		method: req.Method, path: req.URL.EscapedPath(), reqBody: reqBody,
		status: res.StatusCode, resBody: resBody, resType: res.Header.Get("Content-Type"),
	})
}

// checkOpenAPI holds every recorded exchange to openapi.json: the route and
// status are documented; the answer matches its schema; a request that
// succeeded matches its request body schema. When the whole suite ran, every
// documented operation must have succeeded at least once. It prints each
// disagreement and answers the exit code.
func checkOpenAPI() int {
	doc, err := newOpenAPIDoc(api.OpenAPI)
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		return 1
	}
	exchanges.Lock()
	defer exchanges.Unlock()
	var problems []string
	succeeded := map[string]bool{}
	for _, x := range exchanges.list {
		op, err := doc.check(x)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %s → %d: %v", x.method, x.path, x.status, err))
		}
		if op != "" && x.status < 300 {
			succeeded[op] = true
		}
	}
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "" {
		for _, op := range doc.operations() {
			if !succeeded[op] {
				problems = append(problems, "no test succeeded at "+op)
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		fmt.Fprintf(os.Stderr, "--- FAIL: the OpenAPI document and the handlers disagree (%d):\n  %s\n", len(problems), strings.Join(problems, "\n  "))
		return 1
	}
	return 0
}

// openAPIDoc is the parsed document and its compiled schemas.
type openAPIDoc struct {
	raw      map[string]any
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

const docURL = "urn:hookrelay:openapi.json"

func newOpenAPIDoc(b []byte) (*openAPIDoc, error) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if raw["openapi"] != "3.1.0" {
		return nil, fmt.Errorf("openapi is %v, want 3.1.0", raw["openapi"])
	}
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, parsed); err != nil {
		return nil, err
	}
	d := &openAPIDoc{raw: raw, compiler: c, schemas: map[string]*jsonschema.Schema{}}
	// Every schema must compile, used or not.
	for name := range raw["components"].(map[string]any)["schemas"].(map[string]any) {
		if _, err := d.schema("/components/schemas/" + name); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// operations lists "METHOD /path" of every documented operation.
func (d *openAPIDoc) operations() []string {
	var out []string
	for p, item := range d.raw["paths"].(map[string]any) {
		for m := range item.(map[string]any) {
			if m != "parameters" {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// route finds the documented path template matching path.
func (d *openAPIDoc) route(path string) (string, map[string]any) {
	segs := strings.Split(path, "/")
	for tmpl, item := range d.raw["paths"].(map[string]any) {
		t := strings.Split(tmpl, "/")
		if len(t) != len(segs) {
			continue
		}
		match := true
		for i := range t {
			param := strings.HasPrefix(t[i], "{")
			if (param && segs[i] == "") || (!param && t[i] != segs[i]) {
				match = false
				break
			}
		}
		if match {
			return tmpl, item.(map[string]any)
		}
	}
	return "", nil
}

// check validates one exchange and returns its operation, if documented.
func (d *openAPIDoc) check(x exchange) (string, error) {
	tmpl, item := d.route(x.path)
	var op map[string]any
	if item != nil {
		op, _ = item[strings.ToLower(x.method)].(map[string]any)
	}
	if op == nil {
		if x.status == 401 || x.status == 404 || x.status == 405 {
			return "", d.validateError(x)
		}
		return "", errors.New("not a documented operation")
	}
	name := x.method + " " + tmpl
	ptr := "/paths/" + escape(tmpl) + "/" + strings.ToLower(x.method)
	resp, rptr, ok := d.resolve(op["responses"].(map[string]any)[strconv.Itoa(x.status)], ptr+"/responses/"+strconv.Itoa(x.status))
	if !ok {
		return name, fmt.Errorf("status %d is not documented", x.status)
	}
	if _, hasContent := resp["content"]; !hasContent {
		if len(x.resBody) != 0 {
			return name, fmt.Errorf("documented without content, answered %q", x.resBody)
		}
	} else {
		if !strings.HasPrefix(x.resType, "application/json") {
			return name, fmt.Errorf("content type %q", x.resType)
		}
		if err := d.validate(rptr+"/content/application~1json/schema", x.resBody); err != nil {
			return name, fmt.Errorf("response: %w", err)
		}
	}
	if x.status < 300 && len(bytes.TrimSpace(x.reqBody)) > 0 {
		if _, has := op["requestBody"]; !has {
			return name, errors.New("a body was accepted where none is documented")
		}
		if err := d.validate(ptr+"/requestBody/content/application~1json/schema", x.reqBody); err != nil {
			return name, fmt.Errorf("accepted request: %w", err)
		}
	}
	return name, nil
}

// validateError checks an answer outside any operation against Error.
func (d *openAPIDoc) validateError(x exchange) error {
	return d.validate("/components/schemas/Error", x.resBody)
}

// resolve follows a $ref to a response object and returns it and its pointer.
func (d *openAPIDoc) resolve(v any, ptr string) (map[string]any, string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "", false
	}
	ref, isRef := m["$ref"].(string)
	if !isRef {
		return m, ptr, true
	}
	ptr = strings.TrimPrefix(ref, "#")
	var cur any = d.raw
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		next, ok := cur.(map[string]any)
		if !ok {
			return nil, "", false
		}
		cur = next[tok]
	}
	m, ok = cur.(map[string]any)
	return m, ptr, ok
}

func (d *openAPIDoc) schema(ptr string) (*jsonschema.Schema, error) {
	if s, ok := d.schemas[ptr]; ok {
		return s, nil
	}
	s, err := d.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", ptr, err)
	}
	d.schemas[ptr] = s
	return s, nil
}

func (d *openAPIDoc) validate(ptr string, body []byte) error {
	s, err := d.schema(ptr)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %q", body)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("%s: %v", truncate(body), err)
	}
	return nil
}

func escape(p string) string { return strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1") }

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t)
	r := h.must(h.do("GET", "/v1/openapi.json", adminKey, nil), 200)
	if !bytes.Equal(r.body, api.OpenAPI) {
		t.Fatal("GET /v1/openapi.json is not the embedded document")
	}
	doc, err := newOpenAPIDoc(r.body)
	if err != nil {
		t.Fatal(err)
	}
	// The checker itself can fail: an undocumented field, status and route.
	bad := []exchange{
		{method: "GET", path: "/healthz", status: 200, resBody: []byte(`{"status":"ok","extra":1}`), resType: "application/json"},
		{method: "GET", path: "/healthz", status: 418, resBody: []byte(`{}`), resType: "application/json"},
		{method: "GET", path: "/v1/nowhere", status: 200, resBody: []byte(`{}`), resType: "application/json"},
		{method: "POST", path: "/v1/tenants", reqBody: []byte(`{"id":"a","name":"A","x":1}`), status: 201, resBody: []byte(`{"id":"a","name":"A","created_at":"2026-01-01T00:00:00Z"}`), resType: "application/json"},
		{method: "DELETE", path: "/v1/tenants/a/webhooks/wh_1", status: 204, resBody: []byte(`{}`)},
	}
	for _, x := range bad {
		if _, err := doc.check(x); err == nil {
			t.Errorf("%s %s → %d %s passed the check", x.method, x.path, x.status, x.resBody)
		}
	}
}
