package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// The TestDeployed tests run against any hookrelay: the stack that API_URL
// and ADMIN_KEY name (`make e2e API_URL=… ADMIN_KEY=…`, LocalStack or AWS), or
// else the local runtime, so `make test` runs them too and they never skip.
//
// A deployed stack cannot reach a receiver on this machine, so there the
// webhook points at E2E_RECEIVER_URL when it is set, or else at a host that
// cannot resolve: the attempt is then recorded with error "dns", which still
// proves that fan-out and deliver ran and recorded it.

type target struct {
	base, adminKey string
	receiverURL    string
	wantStatus     string // the delivery's final status
	recv           *receiver
}

func deployedTarget(t *testing.T) target {
	if url := os.Getenv("API_URL"); url != "" {
		tg := target{base: strings.TrimRight(url, "/"), adminKey: os.Getenv("ADMIN_KEY")}
		if tg.adminKey == "" {
			t.Fatal("API_URL is set but ADMIN_KEY is not")
		}
		tg.receiverURL, tg.wantStatus = os.Getenv("E2E_RECEIVER_URL"), "succeeded"
		if tg.receiverURL == "" {
			tg.receiverURL, tg.wantStatus = "https://hookrelay-e2e.invalid/hook", "failed"
		}
		return tg
	}
	r := runtime(t)
	recv := newReceiver(t, func(int) int { return 200 })
	return target{base: r.URL, adminKey: r.AdminKey, receiverURL: recv.URL, wantStatus: "succeeded", recv: recv}
}

func TestDeployedPipeline(t *testing.T) {
	tg := deployedTarget(t)
	admin := client{t: t, base: tg.base, key: tg.adminKey}
	admin.must(200, "GET", "/healthz", nil, nil)

	id := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	admin.must(201, "POST", "/v1/tenants", map[string]string{"id": id, "name": "end-to-end"}, nil)
	var key struct{ Key string }
	admin.must(201, "POST", "/v1/tenants/"+id+"/keys", nil, &key)
	c := client{t: t, base: tg.base + "/v1/tenants/" + id, key: key.Key}

	// Auth: no key, a wrong key, and the tenant key on an admin route.
	none := client{t: t, base: tg.base}
	none.must(401, "GET", "/v1/tenants/"+id+"/webhooks", nil, nil)
	wrong := client{t: t, base: tg.base, key: "hr_wrong"}
	wrong.must(401, "GET", "/v1/tenants/"+id+"/webhooks", nil, nil)
	tenantAsAdmin := client{t: t, base: tg.base, key: key.Key}
	tenantAsAdmin.must(403, "POST", "/v1/tenants", map[string]string{"id": id + "x", "name": "x"}, nil)

	var w createdWebhook
	c.must(201, "POST", "/webhooks", map[string]any{"url": tg.receiverURL, "event_types": []string{"e2e.*"}, "retry": false}, &w)
	var e struct{ ID string }
	c.must(202, "POST", "/events", map[string]any{"type": "e2e.ping", "data": map[string]any{"n": 1}}, &e)

	var ev struct {
		Deliveries []delivery `json:"deliveries"`
	}
	eventually(t, 60*time.Second, "the event's delivery reaches its final status", func() bool {
		c.must(200, "GET", "/events/"+e.ID, nil, &ev)
		return len(ev.Deliveries) == 1 && ev.Deliveries[0].Status != "pending"
	})
	d := ev.Deliveries[0]
	if d.Status != tg.wantStatus || len(d.Attempts) != 1 {
		t.Fatalf("delivery %+v, want status %s after one attempt", d, tg.wantStatus)
	}
	if tg.wantStatus == "failed" && d.Attempts[0].Error != "dns" {
		t.Fatalf("attempt error %q, want dns", d.Attempts[0].Error)
	}
	if tg.recv != nil && tg.recv.count() != 1 {
		t.Fatalf("receiver got %d requests", tg.recv.count())
	}
	c.must(204, "DELETE", "/webhooks/"+w.ID, nil, nil)
	c.must(404, "GET", "/webhooks/"+w.ID, nil, nil)
}
