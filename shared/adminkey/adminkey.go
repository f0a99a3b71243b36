// Package adminkey supplies the hash of the admin API key to the API: from a
// plaintext given in the environment (local runtime, LocalStack, tests) or
// from an AWS Secrets Manager secret whose plaintext is the key, fetched on
// first use and cached.
package adminkey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// DefaultTTL is how long a fetched admin key is trusted before it is read
// again, so that a rotated secret takes effect within minutes.
const DefaultTTL = 5 * time.Minute

// Static returns a hash source for a fixed plaintext key. An empty key means
// no admin key.
func Static(plaintext string) func(context.Context) (string, error) {
	hash := ""
	if plaintext = strings.TrimSpace(plaintext); plaintext != "" {
		hash = webhook.HashKey(plaintext)
	}
	return func(context.Context) (string, error) { return hash, nil }
}

// SecretsAPI is the part of the Secrets Manager client used here.
type SecretsAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager returns a fetcher of the plaintext of the secret named by
// id (an ARN or a name). Surrounding white space is ignored.
func SecretsManager(api SecretsAPI, id string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("adminkey: get secret value: %w", err)
		}
		key := strings.TrimSpace(aws.ToString(out.SecretString))
		if key == "" {
			return "", errors.New("adminkey: the secret has no string value")
		}
		return key, nil
	}
}

// Cache hashes and caches what a fetcher returns. It fetches on first use,
// never at construction, and again once the TTL has passed; when a refresh
// fails it keeps answering the last hash it had.
type Cache struct {
	fetch func(context.Context) (string, error)
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	hash    string
	expires time.Time
}

// NewCache returns a cache over fetch. now may be nil (time.Now).
func NewCache(fetch func(context.Context) (string, error), ttl time.Duration, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{fetch: fetch, ttl: ttl, now: now}
}

// Hash returns webhook.HashKey of the current admin key.
func (c *Cache) Hash(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hash != "" && c.now().Before(c.expires) {
		return c.hash, nil
	}
	plaintext, err := c.fetch(ctx)
	if err != nil {
		if c.hash != "" {
			return c.hash, nil
		}
		return "", err
	}
	c.hash = webhook.HashKey(plaintext)
	c.expires = c.now().Add(c.ttl)
	return c.hash, nil
}
