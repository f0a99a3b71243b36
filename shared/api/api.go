// Package api is hookrelay's HTTP API (SPEC §3) as a plain net/http handler:
// the local runtime serves it directly and the api Lambda function serves it
// through an API Gateway adapter.
//
// Every answer is JSON. Errors are domain errors (webhook.Error) mapped to one
// status each; anything else is logged for the operator and answered as a
// clean 500.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hookrelay/hookrelay/events/catalog"
	"github.com/hookrelay/hookrelay/shared/console"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Config is what the handler needs.
type Config struct {
	Store webhook.Store
	Queue webhook.Queue
	// AdminKeyHash returns webhook.HashKey of the admin key. It is called on
	// every authenticated request, so it should cache; an empty hash means
	// there is no admin key.
	AdminKeyHash func(ctx context.Context) (string, error)
	// AllowPrivate lets webhooks target loopback and private addresses and
	// plain http.
	AllowPrivate bool
	// Schedule is the retry schedule; nil means webhook.DefaultSchedule.
	Schedule webhook.Schedule
	// Logger receives one line per request and the detail of internal
	// errors; nil means JSON on stderr.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Catalog is the event catalogue listed by GET /v1/event-types and
	// checked on publication; nil means the one embedded in events/catalog.
	Catalog *catalog.Catalog
	// MaxWebhooksPerTenant caps each tenant's webhooks; 0 means
	// DefaultMaxWebhooksPerTenant.
	MaxWebhooksPerTenant int
}

// server is the handler's state: the configuration and its routes.
type server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
}

// New returns the API handler.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Schedule == nil {
		cfg.Schedule = webhook.DefaultSchedule
	}
	if cfg.AdminKeyHash == nil {
		cfg.AdminKeyHash = func(context.Context) (string, error) { return "", nil }
	}
	if cfg.Catalog == nil {
		c, err := catalog.Load()
		if err != nil {
			cfg.Logger.Error("api.catalog", slog.String("error", err.Error()))
		}
		cfg.Catalog = c
	}
	s := &server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	s.routes()
	return s
}

// now is the current time in UTC.
func (s *server) now() time.Time { return s.cfg.Now().UTC() }

// routes registers every route of SPEC §3. Each handler is wrapped with the
// scope it needs: open, any key, admin, or the tenant of the path.
func (s *server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	console.Register(s.mux) // the console's static files: open, like /healthz

	s.mux.Handle("POST /v1/tenants", s.admin(s.createTenant))
	s.mux.Handle("POST /v1/tenants/{t}/keys", s.admin(s.createKey))

	s.mux.Handle("POST /v1/tenants/{t}/webhooks", s.tenant(s.createWebhook))
	s.mux.Handle("GET /v1/tenants/{t}/webhooks", s.tenant(s.listWebhooks))
	s.mux.Handle("GET /v1/tenants/{t}/webhooks/{id}", s.tenant(s.getWebhook))
	s.mux.Handle("PATCH /v1/tenants/{t}/webhooks/{id}", s.tenant(s.patchWebhook))
	s.mux.Handle("DELETE /v1/tenants/{t}/webhooks/{id}", s.tenant(s.deleteWebhook))
	s.mux.Handle("POST /v1/tenants/{t}/webhooks/{id}/secret/rotate", s.tenant(s.rotateSecret))
	s.mux.Handle("POST /v1/tenants/{t}/webhooks/{id}/test", s.tenant(s.testWebhook))
	s.mux.Handle("POST /v1/tenants/{t}/webhooks/{id}/replay", s.tenant(s.replayWebhook))
	s.mux.Handle("GET /v1/tenants/{t}/webhooks/{id}/deliveries", s.tenant(s.listDeliveries))

	s.mux.Handle("POST /v1/tenants/{t}/events", s.tenant(s.publishEvent))
	s.mux.Handle("GET /v1/tenants/{t}/events/{id}", s.tenant(s.getEvent))

	s.mux.Handle("GET /v1/tenants/{t}/deliveries/{id}", s.tenant(s.getDelivery))
	s.mux.Handle("POST /v1/tenants/{t}/deliveries/{id}/retry", s.tenant(s.retryDelivery))

	s.mux.Handle("POST /v1/admin/dlq/redrive", s.admin(s.redrive))

	s.mux.Handle("GET /v1/event-types", s.anyKey(s.eventTypes))
	s.mux.Handle("GET /v1/openapi.json", s.anyKey(s.openapi))
}

// ServeHTTP authenticates the request (except for /healthz), routes it, turns
// the mux's own 404 and 405 into JSON errors, recovers from panics and logs
// one line per request.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			s.log.ErrorContext(r.Context(), "api.panic", slog.Any("panic", p), slog.String("path", r.URL.Path))
			if rec.status == 0 {
				s.writeError(rec, r, webhook.Errorf(webhook.EInternal, "panic"))
			}
		}
		s.log.InfoContext(r.Context(), "api.request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	}()
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		s.unrouted(rec, r, h)
		return
	}
	if pattern != "GET /healthz" && !console.Open(pattern) {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(rec, r, err)
			return
		}
		r = r.WithContext(withPrincipal(r.Context(), p))
	}
	s.mux.ServeHTTP(rec, r)
}

// unrouted answers a request that matches no route: 401 without a valid key,
// else the mux's verdict (404, or 405 with Allow) as a JSON error.
func (s *server) unrouted(w http.ResponseWriter, r *http.Request, h http.Handler) {
	if _, err := s.authenticate(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed", Message: r.Method + " is not allowed here"}})
		return
	}
	s.writeError(w, r, webhook.Errorf(webhook.ENotFound, "no such route"))
}

// healthz answers {"status":"ok"}; it needs no key.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// probeWriter captures what the mux's fallback handler would answer.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
