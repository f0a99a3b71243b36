package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// tenantInput is the body of POST /v1/tenants.
type tenantInput struct {
	ID   *string `json:"id"`
	Name *string `json:"name"`
}

// createTenant handles POST /v1/tenants {id, name} → 201 tenant.
func (s *server) createTenant(w http.ResponseWriter, r *http.Request) error {
	var in tenantInput
	if err := s.decodeBody(w, r, &in); err != nil {
		return err
	}
	t, err := newTenant(in, s.now())
	if err != nil {
		return err
	}
	if err := s.cfg.Store.CreateTenant(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// newTenant validates a tenant create request.
func newTenant(in tenantInput, now time.Time) (webhook.Tenant, error) {
	if in.ID == nil {
		return webhook.Tenant{}, webhook.Invalid("id", "is required")
	}
	if err := webhook.ValidateTenantID(*in.ID); err != nil {
		return webhook.Tenant{}, err
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return webhook.Tenant{}, webhook.Invalid("name", "is required")
	}
	if len(*in.Name) > webhook.MaxTenantName || !utf8.ValidString(*in.Name) {
		return webhook.Tenant{}, webhook.Invalid("name", "must be at most %d bytes", webhook.MaxTenantName)
	}
	return webhook.Tenant{ID: *in.ID, Name: *in.Name, CreatedAt: now}, nil
}

// keyView is the answer to a key creation: the only time the key is shown.
type keyView struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	TenantID  string    `json:"tenant_id"`
	CreatedAt time.Time `json:"created_at"`
}

// createKey handles POST /v1/tenants/{t}/keys → 201 {id, key}.
func (s *server) createKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.decodeOptionalBody(w, r, &struct{}{}); err != nil {
		return err
	}
	id := r.PathValue("t")
	if webhook.ValidateTenantID(id) != nil {
		return tenantNotFound(id)
	}
	t, err := s.cfg.Store.GetTenant(r.Context(), id)
	if err != nil {
		return err
	}
	plain, hash := webhook.NewKey()
	k := webhook.Key{ID: webhook.NewID("key"), TenantID: t.ID, Hash: hash, CreatedAt: s.now()}
	if err := s.cfg.Store.CreateKey(r.Context(), k); err != nil {
		return fmt.Errorf("api: create key: %w", err)
	}
	writeJSON(w, http.StatusCreated, keyView{ID: k.ID, Key: plain, TenantID: k.TenantID, CreatedAt: k.CreatedAt})
	return nil
}
