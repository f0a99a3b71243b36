package api

import (
	"net/http"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// getDelivery handles GET /v1/tenants/{t}/deliveries/{id}: one delivery with
// all its attempts.
func (s *server) getDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	d, err := s.cfg.Store.GetDelivery(r.Context(), r.PathValue("t"), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewDelivery(d))
	return nil
}

// listDeliveries handles GET /v1/tenants/{t}/webhooks/{id}/deliveries: the
// webhook's request log, newest first, optionally of one status.
func (s *server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	f, err := deliveryFilterOf(r)
	if err != nil {
		return err
	}
	wh, err := s.webhookOf(r)
	if err != nil {
		return err
	}
	ds, next, err := s.cfg.Store.ListDeliveries(r.Context(), wh.TenantID, wh.ID, f, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(viewDeliveries(ds), next))
	return nil
}

// deliveryFilterOf reads the status query parameter.
func deliveryFilterOf(r *http.Request) (webhook.DeliveryFilter, error) {
	status := r.URL.Query().Get("status")
	switch status {
	case "", webhook.StatusPending, webhook.StatusSucceeded, webhook.StatusFailed:
		return webhook.DeliveryFilter{Status: status}, nil
	default:
		return webhook.DeliveryFilter{}, webhook.Invalid("status", "must be %s, %s or %s", webhook.StatusPending, webhook.StatusSucceeded, webhook.StatusFailed)
	}
}
