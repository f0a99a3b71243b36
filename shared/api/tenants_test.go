package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestHealthz(t *testing.T) {
	h := newHarness(t)
	for _, key := range []string{"", "hr_not_a_key"} {
		r := h.must(h.do("GET", "/healthz", key, nil), 200)
		if got := r.json(t)["status"]; got != "ok" {
			t.Errorf("status %v, want ok", got)
		}
	}
}

func TestCreateTenant(t *testing.T) {
	h := newHarness(t)
	r := h.must(h.do("POST", "/v1/tenants", adminKey, map[string]any{"id": "acme", "name": "Acme Retreats"}), 201)
	body := r.json(t)
	if body["id"] != "acme" || body["name"] != "Acme Retreats" || body["created_at"] == nil {
		t.Fatalf("tenant %s", r.body)
	}
	if _, err := h.store.GetTenant(context.Background(), "acme"); err != nil {
		t.Fatalf("tenant not stored: %v", err)
	}
	wantError(t, h.do("POST", "/v1/tenants", adminKey, map[string]any{"id": "acme", "name": "Again"}), 409, webhook.EConflict, "")
	got, _ := h.store.GetTenant(context.Background(), "acme")
	if got.Name != "Acme Retreats" {
		t.Fatalf("a conflicting create changed the tenant's name to %q", got.Name)
	}
}

func TestCreateTenantValidation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"missing id", `{"name":"A"}`, 400, webhook.EInvalid, "id"},
		{"upper-case id", `{"id":"Acme","name":"A"}`, 400, webhook.EInvalid, "id"},
		{"id starting with a dash", `{"id":"-acme","name":"A"}`, 400, webhook.EInvalid, "id"},
		{"id of 65 characters", `{"id":"` + strings.Repeat("a", 65) + `","name":"A"}`, 400, webhook.EInvalid, "id"},
		{"id with a slash", `{"id":"a/b","name":"A"}`, 400, webhook.EInvalid, "id"},
		{"id a number", `{"id":7,"name":"A"}`, 400, webhook.EInvalid, "id"},
		{"missing name", `{"id":"acme"}`, 400, webhook.EInvalid, "name"},
		{"blank name", `{"id":"acme","name":"  "}`, 400, webhook.EInvalid, "name"},
		{"name too long", `{"id":"acme","name":"` + strings.Repeat("n", 257) + `"}`, 400, webhook.EInvalid, "name"},
		{"name an object", `{"id":"acme","name":{}}`, 400, webhook.EInvalid, "name"},
		{"unknown field", `{"id":"acme","name":"A","plan":"gold"}`, 400, webhook.EInvalid, "plan"},
		{"not JSON", `{"id":`, 400, webhook.EBadJSON, ""},
		{"an array", `[{"id":"acme","name":"A"}]`, 400, webhook.EBadJSON, ""},
		{"null", `null`, 400, webhook.EBadJSON, ""},
		{"trailing data", `{"id":"acme","name":"A"} {}`, 400, webhook.EBadJSON, ""},
		{"empty body", ``, 400, webhook.EBadJSON, ""},
		{"invalid UTF-8", "{\"id\":\"acme\",\"name\":\"\xff\"}", 400, webhook.EBadJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, h.do("POST", "/v1/tenants", adminKey, tt.body), tt.status, tt.code, tt.field)
		})
	}
	if _, err := h.store.GetTenant(context.Background(), "acme"); !webhook.IsNotFound(err) {
		t.Fatalf("a rejected request stored tenant acme: %v", err)
	}
}

func TestCreateKey(t *testing.T) {
	h := newHarness(t)
	h.must(h.do("POST", "/v1/tenants", adminKey, map[string]any{"id": "acme", "name": "Acme"}), 201)
	r := h.must(h.do("POST", "/v1/tenants/acme/keys", adminKey, nil), 201)
	body := r.json(t)
	key, _ := body["key"].(string)
	id, _ := body["id"].(string)
	if !strings.HasPrefix(key, "hr_") || !strings.HasPrefix(id, "key_") || body["tenant_id"] != "acme" {
		t.Fatalf("key answer %s", r.body)
	}
	// The key works for its tenant.
	h.must(h.do("GET", "/v1/tenants/acme/webhooks", key, nil), 200)
	// It is stored only as its hash: no item of the keys table holds the
	// plaintext.
	out, err := h.env.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(schema.TableName(h.env.Prefix, schema.Keys))})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 {
		t.Fatalf("%d keys stored, want 1", len(out.Items))
	}
	for name, v := range out.Items[0] {
		if s, ok := v.(*types.AttributeValueMemberS); !ok {
			t.Fatalf("attribute %s is a %T, want a string", name, v)
		} else if strings.Contains(s.Value, key) {
			t.Fatalf("attribute %s holds the plaintext key", name)
		}
	}
	k, err := h.store.KeyByHash(context.Background(), webhook.HashKey(key))
	if err != nil || k.TenantID != "acme" || k.ID != id {
		t.Fatalf("KeyByHash = %+v, %v", k, err)
	}
	// A body, when sent, must be an empty JSON object.
	h.must(h.do("POST", "/v1/tenants/acme/keys", adminKey, `{}`), 201)
	wantError(t, h.do("POST", "/v1/tenants/acme/keys", adminKey, `{"name":"x"}`), 400, webhook.EInvalid, "name")
}

func TestCreateKeyErrors(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	tests := []struct {
		name, path, key string
		status          int
		code            string
	}{
		{"unknown tenant", "/v1/tenants/nobody/keys", adminKey, 404, webhook.ENotFound},
		{"impossible tenant id", "/v1/tenants/No%20Body/keys", adminKey, 404, webhook.ENotFound},
		{"tenant key", "/v1/tenants/acme/keys", key, 403, webhook.EForbidden},
		{"no key", "/v1/tenants/acme/keys", "", 401, webhook.EUnauthorized},
		{"wrong key", "/v1/tenants/acme/keys", "hr_wrong", 401, webhook.EUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, h.do("POST", tt.path, tt.key, nil), tt.status, tt.code, "")
		})
	}
	out, err := h.env.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(schema.TableName(h.env.Prefix, schema.Keys))})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("%d keys stored after rejected requests, want 1 (%v)", len(out.Items), err)
	}
}
