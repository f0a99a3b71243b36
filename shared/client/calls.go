package client

import (
	"context"
	"net/http"
	"strconv"
)

// CreateTenant creates a tenant (admin key).
func (c *Client) CreateTenant(ctx context.Context, id, name string) (Tenant, error) {
	var t Tenant
	_, err := c.Do(ctx, http.MethodPost, "/v1/tenants", map[string]string{"id": id, "name": name}, &t)
	return t, err
}

// CreateKey creates a key of a tenant (admin key).
func (c *Client) CreateKey(ctx context.Context, tenant string) (Key, error) {
	var k Key
	_, err := c.Do(ctx, http.MethodPost, tenantPath(tenant, "keys"), nil, &k)
	return k, err
}

// CreateWebhook creates a webhook; the answer carries its secret.
func (c *Client) CreateWebhook(ctx context.Context, tenant string, in WebhookInput) (Webhook, error) {
	var w Webhook
	_, err := c.Do(ctx, http.MethodPost, tenantPath(tenant, "webhooks"), in, &w)
	return w, err
}

// ListWebhooks lists one page of a tenant's webhooks; limit 0 is the API's
// default.
func (c *Client) ListWebhooks(ctx context.Context, tenant string, limit int, cursor string) (Page[Webhook], error) {
	var p Page[Webhook]
	_, err := c.Do(ctx, http.MethodGet, tenantPath(tenant, "webhooks")+query("limit", itoa(limit), "cursor", cursor), nil, &p)
	return p, err
}

// GetWebhook reads a webhook.
func (c *Client) GetWebhook(ctx context.Context, tenant, id string) (Webhook, error) {
	var w Webhook
	_, err := c.Do(ctx, http.MethodGet, tenantPath(tenant, "webhooks", id), nil, &w)
	return w, err
}

// UpdateWebhook changes the fields set in in.
func (c *Client) UpdateWebhook(ctx context.Context, tenant, id string, in WebhookInput) (Webhook, error) {
	var w Webhook
	_, err := c.Do(ctx, http.MethodPatch, tenantPath(tenant, "webhooks", id), in, &w)
	return w, err
}

// DeleteWebhook deletes a webhook.
func (c *Client) DeleteWebhook(ctx context.Context, tenant, id string) error {
	_, err := c.Do(ctx, http.MethodDelete, tenantPath(tenant, "webhooks", id), nil, nil)
	return err
}

// RotateSecret gives a webhook a new secret (generated when secret is "");
// the old one keeps signing for 24 hours.
func (c *Client) RotateSecret(ctx context.Context, tenant, id, secret string) (Webhook, error) {
	var in any
	if secret != "" {
		in = map[string]string{"secret": secret}
	}
	var w Webhook
	_, err := c.Do(ctx, http.MethodPost, tenantPath(tenant, "webhooks", id, "secret", "rotate"), in, &w)
	return w, err
}

// TestWebhook sends a test delivery: the newest event of eventType, or a
// webhook.test event when eventType is "" or there is none.
func (c *Client) TestWebhook(ctx context.Context, tenant, id, eventType string) (TestResult, error) {
	var in any
	if eventType != "" {
		in = map[string]string{"event_type": eventType}
	}
	var r TestResult
	_, err := c.Do(ctx, http.MethodPost, tenantPath(tenant, "webhooks", id, "test"), in, &r)
	return r, err
}

// ListDeliveries lists one page of a webhook's request log, newest first,
// of one status when status is not "".
func (c *Client) ListDeliveries(ctx context.Context, tenant, webhookID, status string, limit int, cursor string) (Page[Delivery], error) {
	var p Page[Delivery]
	_, err := c.Do(ctx, http.MethodGet, tenantPath(tenant, "webhooks", webhookID, "deliveries")+query("status", status, "limit", itoa(limit), "cursor", cursor), nil, &p)
	return p, err
}

// GetDelivery reads a delivery with all its attempts.
func (c *Client) GetDelivery(ctx context.Context, tenant, id string) (Delivery, error) {
	var d Delivery
	_, err := c.Do(ctx, http.MethodGet, tenantPath(tenant, "deliveries", id), nil, &d)
	return d, err
}

// RetryDelivery asks for one new attempt of a delivery now.
func (c *Client) RetryDelivery(ctx context.Context, tenant, id string) error {
	_, err := c.Do(ctx, http.MethodPost, tenantPath(tenant, "deliveries", id, "retry"), nil, nil)
	return err
}

// PublishInput is the body of a publication; ID is optional and makes the
// publication idempotent.
type PublishInput struct {
	ID   string `json:"id,omitempty"`
	Type string `json:"type"`
	Data any    `json:"data"`
}

// PublishEvent publishes an event. created is false when an event with the
// same id, type and data was already published (the API answered 200).
func (c *Client) PublishEvent(ctx context.Context, tenant string, in PublishInput) (e Event, created bool, err error) {
	status, err := c.Do(ctx, http.MethodPost, tenantPath(tenant, "events"), in, &e)
	return e, status == http.StatusAccepted, err
}

// GetEvent reads an event with its deliveries.
func (c *Client) GetEvent(ctx context.Context, tenant, id string) (Event, error) {
	var e Event
	_, err := c.Do(ctx, http.MethodGet, tenantPath(tenant, "events", id), nil, &e)
	return e, err
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
