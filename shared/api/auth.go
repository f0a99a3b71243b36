package api

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// maxKeyLength bounds a bearer token; longer ones cannot be keys.
const maxKeyLength = 512

// principal is who a request acts as: the admin, or one tenant.
type principal struct {
	admin    bool
	tenantID string
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// authenticate reads the bearer key and says whose it is: the admin's (the
// hash compared in constant time) or a tenant's (looked up by hash). A
// missing, malformed or unknown key is EUnauthorized.
func (s *server) authenticate(r *http.Request) (principal, error) {
	key, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return principal{}, webhook.Errorf(webhook.EUnauthorized, "send an API key as Authorization: Bearer <key>")
	}
	hash := webhook.HashKey(key)
	adminHash, adminErr := s.cfg.AdminKeyHash(r.Context())
	if adminErr == nil && adminHash != "" && subtle.ConstantTimeCompare([]byte(hash), []byte(adminHash)) == 1 {
		return principal{admin: true}, nil
	}
	k, err := s.cfg.Store.KeyByHash(r.Context(), hash)
	switch {
	case err == nil:
		return principal{tenantID: k.TenantID}, nil
	case !webhook.IsNotFound(err):
		return principal{}, fmt.Errorf("api: look up key: %w", err)
	case adminErr != nil:
		// Not a tenant key, and the admin key could not be read: the
		// request might be the admin's, so this is no verdict on the key.
		return principal{}, fmt.Errorf("api: read admin key: %w", adminErr)
	default:
		return principal{}, webhook.Errorf(webhook.EUnauthorized, "the API key is not valid")
	}
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxKeyLength || !utf8.ValidString(token) {
		return "", false
	}
	return token, true
}

// admin wraps a handler that only the admin key may call; a tenant key gets 403.
func (s *server) admin(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !principalFrom(r.Context()).admin {
			s.writeError(w, r, webhook.Errorf(webhook.EForbidden, "this route needs the admin key"))
			return
		}
		s.run(w, r, h)
	})
}

// tenant wraps a handler under /v1/tenants/{t}: the admin may act in any
// existing tenant, a tenant key only in its own; any other tenant answers
// 404, as if it did not exist.
func (s *server) tenant(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := r.PathValue("t")
		p := principalFrom(r.Context())
		switch {
		case webhook.ValidateTenantID(t) != nil:
			s.writeError(w, r, tenantNotFound(t))
			return
		case p.admin:
			if _, err := s.cfg.Store.GetTenant(r.Context(), t); err != nil {
				s.writeError(w, r, err)
				return
			}
		case p.tenantID != t:
			s.writeError(w, r, tenantNotFound(t))
			return
		}
		s.run(w, r, h)
	})
}

// anyKey wraps a handler that any valid key may call.
func (s *server) anyKey(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.run(w, r, h) })
}

// run calls h and answers its error, if any.
func (s *server) run(w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request) error) {
	if err := h(w, r); err != nil {
		s.writeError(w, r, err)
	}
}

func tenantNotFound(id string) error {
	if len(id) > 64 || !utf8.ValidString(id) {
		return webhook.Errorf(webhook.ENotFound, "tenant not found")
	}
	return webhook.Errorf(webhook.ENotFound, "tenant %q not found", id)
}
