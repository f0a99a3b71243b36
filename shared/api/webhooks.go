package api

import (
	"net/http"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// createWebhook handles POST /v1/tenants/{t}/webhooks → 201 with the secret.
func (s *server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.WebhookInput
	if err := s.decodeBody(w, r, &in); err != nil {
		return err
	}
	wh, err := webhook.NewWebhook(r.PathValue("t"), in, s.cfg.AllowPrivate, s.now())
	if err != nil {
		return err
	}
	if err := s.checkWebhookLimit(r.Context(), wh.TenantID); err != nil {
		return err
	}
	if err := s.cfg.Store.CreateWebhook(r.Context(), wh); err != nil {
		return err
	}
	setETag(w, wh)
	writeJSON(w, http.StatusCreated, createdWebhookView{webhookView: viewWebhook(wh), Secret: wh.Secret})
	return nil
}

// listWebhooks handles GET /v1/tenants/{t}/webhooks → {data, next_cursor}.
func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	hooks, next, err := s.cfg.Store.ListWebhooks(r.Context(), r.PathValue("t"), p)
	if err != nil {
		return err
	}
	views := make([]webhookView, len(hooks))
	for i, h := range hooks {
		views[i] = viewWebhook(h)
	}
	writeJSON(w, http.StatusOK, newList(views, next))
	return nil
}

// getWebhook handles GET /v1/tenants/{t}/webhooks/{id}.
func (s *server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.webhookOf(r)
	if err != nil {
		return err
	}
	setETag(w, wh)
	writeJSON(w, http.StatusOK, viewWebhook(wh))
	return nil
}

// deleteWebhook handles DELETE /v1/tenants/{t}/webhooks/{id} → 204.
func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteWebhook(r.Context(), r.PathValue("t"), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// webhookOf reads the webhook named by the path.
func (s *server) webhookOf(r *http.Request) (webhook.Webhook, error) {
	id, err := pathID(r, "webhook")
	if err != nil {
		return webhook.Webhook{}, err
	}
	return s.cfg.Store.GetWebhook(r.Context(), r.PathValue("t"), id)
}
