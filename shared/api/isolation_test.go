package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Who calls, in the isolation matrix.
const (
	ownKey   = "own tenant key"
	otherKey = "other tenant key"
	noKey    = "no key"
	badKey   = "bad key"
	admin    = "admin key"
)

// scope is who a route is for: SPEC §3's "who" column.
type scope int

const (
	open     scope = iota // GET /healthz
	anyKey                // any valid key
	tenantOf              // the admin key, or a key of the path's tenant
	adminOnly
)

// isoRoute is one row of the matrix: a registered route, how to call it on
// tenant alpha's resources, and what it answers when allowed.
type isoRoute struct {
	pattern string // as registered in api.go
	scope   scope
	ok      int
	// call returns the path and body for one request; f gives fresh
	// resources of alpha where the call consumes one.
	call func(f *isoFixture) (path string, body any)
}

// isoRoutes is every route of api.go. TestIsolationMatrixCoversEveryRoute
// fails when a registered route is missing here.
var isoRoutes = []isoRoute{
	{"GET /healthz", open, 200, func(*isoFixture) (string, any) { return "/healthz", nil }},
	{"POST /v1/tenants", adminOnly, 201, func(f *isoFixture) (string, any) {
		f.n++
		return "/v1/tenants", map[string]any{"id": fmt.Sprintf("new-%d", f.n), "name": "New"}
	}},
	{"POST /v1/tenants/{t}/keys", adminOnly, 201, func(f *isoFixture) (string, any) { return f.a("/keys"), nil }},
	{"POST /v1/tenants/{t}/webhooks", tenantOf, 201, func(f *isoFixture) (string, any) {
		return f.a("/webhooks"), map[string]any{"url": "https://alpha.example.com/new", "event_types": []string{"*"}}
	}},
	{"GET /v1/tenants/{t}/webhooks", tenantOf, 200, func(f *isoFixture) (string, any) { return f.a("/webhooks"), nil }},
	{"GET /v1/tenants/{t}/webhooks/{id}", tenantOf, 200, func(f *isoFixture) (string, any) { return f.a("/webhooks/" + f.alpha.hook), nil }},
	{"PATCH /v1/tenants/{t}/webhooks/{id}", tenantOf, 200, func(f *isoFixture) (string, any) {
		return f.a("/webhooks/" + f.alpha.hook), map[string]any{"description": "alpha-private patched"}
	}},
	{"DELETE /v1/tenants/{t}/webhooks/{id}", tenantOf, 204, func(f *isoFixture) (string, any) { return f.a("/webhooks/" + f.freshHook()), nil }},
	{"POST /v1/tenants/{t}/webhooks/{id}/secret/rotate", tenantOf, 200, func(f *isoFixture) (string, any) {
		return f.a("/webhooks/" + f.freshHook() + "/secret/rotate"), nil
	}},
	{"POST /v1/tenants/{t}/webhooks/{id}/test", tenantOf, 202, func(f *isoFixture) (string, any) {
		return f.a("/webhooks/" + f.alpha.hook + "/test"), map[string]any{}
	}},
	{"POST /v1/tenants/{t}/webhooks/{id}/replay", tenantOf, 202, func(f *isoFixture) (string, any) {
		return f.a("/webhooks/" + f.alpha.hook + "/replay"), map[string]any{"since": "2020-01-01T00:00:00Z"}
	}},
	{"GET /v1/tenants/{t}/webhooks/{id}/deliveries", tenantOf, 200, func(f *isoFixture) (string, any) {
		return f.a("/webhooks/" + f.alpha.hook + "/deliveries"), nil
	}},
	{"POST /v1/tenants/{t}/events", tenantOf, 202, func(f *isoFixture) (string, any) {
		return f.a("/events"), map[string]any{"type": "iso.published", "data": map[string]any{"marker": "alpha-secret-data"}}
	}},
	{"GET /v1/tenants/{t}/events/{id}", tenantOf, 200, func(f *isoFixture) (string, any) { return f.a("/events/" + f.alpha.event), nil }},
	{"GET /v1/tenants/{t}/deliveries/{id}", tenantOf, 200, func(f *isoFixture) (string, any) { return f.a("/deliveries/" + f.alpha.delivery), nil }},
	{"POST /v1/tenants/{t}/deliveries/{id}/retry", tenantOf, 202, func(f *isoFixture) (string, any) {
		return f.a("/deliveries/" + f.alpha.delivery + "/retry"), nil
	}},
	{"POST /v1/admin/dlq/redrive", adminOnly, 200, func(*isoFixture) (string, any) { return "/v1/admin/dlq/redrive", nil }},
	{"GET /v1/event-types", anyKey, 200, func(*isoFixture) (string, any) { return "/v1/event-types", nil }},
	{"GET /v1/openapi.json", anyKey, 200, func(*isoFixture) (string, any) { return "/v1/openapi.json", nil }},
}

// tenantData is one tenant's resources and the strings that are its data.
type tenantData struct {
	id, key, hook, secret, event, delivery string
	markers                                []string // must not reach another tenant
}

type isoFixture struct {
	h            *harness
	alpha, bravo tenantData
	n            int
}

func (f *isoFixture) a(rest string) string { return "/v1/tenants/" + f.alpha.id + rest }

// freshHook is a new webhook of alpha, for a call that consumes one.
func (f *isoFixture) freshHook() string {
	return f.h.webhook(f.alpha.id, f.alpha.key, map[string]any{"url": "https://alpha.example.com/fresh", "event_types": []string{"*"}, "description": "alpha-private"})["id"].(string)
}

// seed gives a tenant a webhook, an event and a delivery of it, all carrying
// the tenant's markers.
func seed(h *harness, id string) tenantData {
	h.t.Helper()
	td := tenantData{id: id, key: h.tenant(id)}
	w := h.webhook(id, td.key, map[string]any{"url": "https://" + id + ".example.com/hook", "event_types": []string{"*"}, "description": id + "-private"})
	td.hook, td.secret = w["id"].(string), w["secret"].(string)
	e := h.must(h.do("POST", "/v1/tenants/"+id+"/events", td.key, map[string]any{"type": "iso.seeded", "data": map[string]any{"marker": id + "-secret-data"}}), 202).json(h.t)
	td.event = e["id"].(string)
	d := webhook.Delivery{
		ID: webhook.DeliveryID(id, td.event, td.hook), TenantID: id, EventID: td.event, EventType: "iso.seeded", WebhookID: td.hook,
		Status: webhook.StatusFailed, CreatedAt: time.Now().UTC(), Attempts: []webhook.Attempt{{Attempt: 1, StartedAt: time.Now().UTC(), StatusCode: 500, ResponseBody: id + "-response-body", Error: webhook.ErrHTTPStatus}},
	}
	if _, _, err := h.store.CreateDelivery(context.Background(), d); err != nil {
		h.t.Fatal(err)
	}
	td.delivery = d.ID
	td.markers = []string{id + ".example.com", id + "-private", id + "-secret-data", id + "-response-body", td.secret, td.key}
	return td
}

// want is the status a caller gets on a route of alpha.
func (r isoRoute) want(who string) int {
	switch {
	case r.scope == open:
		return r.ok
	case who == noKey || who == badKey:
		return 401
	case r.scope == anyKey || who == admin:
		return r.ok
	case r.scope == adminOnly:
		return 403
	case who == ownKey:
		return r.ok
	default: // another tenant's key on alpha's path: as if it did not exist
		return 404
	}
}

func TestTenantIsolationMatrix(t *testing.T) {
	h := newHarness(t)
	f := &isoFixture{h: h}
	f.alpha, f.bravo = seed(h, "alpha-iso"), seed(h, "bravo-iso")
	keys := map[string]string{ownKey: f.alpha.key, otherKey: f.bravo.key, noKey: "", badKey: "hr_not_a_key_of_anyone", admin: adminKey}
	// Callers that may not see alpha's data first, so that every allowed
	// call finds the resources as seeded.
	order := []string{otherKey, noKey, badKey, ownKey, admin}
	for _, r := range isoRoutes {
		method := strings.Fields(r.pattern)[0]
		for _, who := range order {
			path, body := r.call(f)
			res := h.do(method, path, keys[who], body)
			name := fmt.Sprintf("%s as %s (%s)", r.pattern, who, path)
			if want := r.want(who); res.status != want {
				t.Errorf("%s: %d, want %d: %.300s", name, res.status, want, res.body)
				continue
			}
			// No answer on alpha's paths carries bravo's data, and none to a
			// caller other than alpha or the admin carries alpha's.
			for _, m := range f.bravo.markers {
				if contains(res.body, m) {
					t.Errorf("%s: the answer carries bravo's %q: %.300s", name, m, res.body)
				}
			}
			if who != ownKey && who != admin {
				for _, m := range f.alpha.markers {
					if contains(res.body, m) {
						t.Errorf("%s: the answer carries alpha's %q: %.300s", name, m, res.body)
					}
				}
			}
		}
	}
}

// Bravo's key on bravo's own path cannot reach alpha's resources by id
// either: every id is looked up inside the path's tenant.
func TestForeignIDsUnderOwnTenantAreNotFound(t *testing.T) {
	h := newHarness(t)
	alpha, bravo := seed(h, "alpha-ids"), seed(h, "bravo-ids")
	b := "/v1/tenants/" + bravo.id
	for _, c := range []struct{ method, path string }{
		{"GET", b + "/webhooks/" + alpha.hook},
		{"PATCH", b + "/webhooks/" + alpha.hook},
		{"DELETE", b + "/webhooks/" + alpha.hook},
		{"POST", b + "/webhooks/" + alpha.hook + "/secret/rotate"},
		{"POST", b + "/webhooks/" + alpha.hook + "/test"},
		{"GET", b + "/webhooks/" + alpha.hook + "/deliveries"},
		{"GET", b + "/events/" + alpha.event},
		{"GET", b + "/deliveries/" + alpha.delivery},
		{"POST", b + "/deliveries/" + alpha.delivery + "/retry"},
	} {
		var body any
		if c.method == "PATCH" {
			body = map[string]any{"description": "taken over"}
		} else if c.method == "POST" && strings.HasSuffix(c.path, "/test") {
			body = map[string]any{}
		}
		res := h.do(c.method, c.path, bravo.key, body)
		if res.status != 404 {
			t.Errorf("%s %s with bravo's key: %d, want 404: %.300s", c.method, c.path, res.status, res.body)
		}
		for _, m := range alpha.markers {
			if contains(res.body, m) {
				t.Errorf("%s %s: the answer carries alpha's %q", c.method, c.path, m)
			}
		}
	}
	// Alpha's webhook is untouched.
	w, err := h.store.GetWebhook(context.Background(), alpha.id, alpha.hook)
	if err != nil || w.Description != alpha.id+"-private" || w.Secret != alpha.secret {
		t.Fatalf("alpha's webhook after bravo's attempts: %+v, %v", w, err)
	}
}

// The matrix's table holds every route api.go registers.
func TestIsolationMatrixCoversEveryRoute(t *testing.T) {
	src, err := os.ReadFile("api.go")
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, m := range regexp.MustCompile(`s\.mux\.Handle(?:Func)?\("([^"]+)"`).FindAllSubmatch(src, -1) {
		registered[string(m[1])] = true
	}
	if len(registered) < 19 {
		t.Fatalf("found only %d registered routes in api.go; did the registration style change?", len(registered))
	}
	inTable := map[string]bool{}
	for _, r := range isoRoutes {
		inTable[r.pattern] = true
	}
	var missing []string
	for p := range registered {
		if !inTable[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		b, _ := json.Marshal(missing)
		t.Fatalf("routes missing from the isolation matrix (isoRoutes): %s", b)
	}
}
