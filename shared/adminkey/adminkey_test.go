package adminkey_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/hookrelay/hookrelay/shared/adminkey"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestStatic(t *testing.T) {
	got, err := adminkey.Static(" hr_admin \n")(context.Background())
	if err != nil || got != webhook.HashKey("hr_admin") {
		t.Fatalf("Static = %q, %v", got, err)
	}
	if got, _ := adminkey.Static("")(context.Background()); got != "" {
		t.Fatalf("Static(\"\") = %q, want no admin key", got)
	}
}

func TestCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	calls := 0
	key, fail := "hr_one", false
	c := adminkey.NewCache(func(context.Context) (string, error) {
		calls++
		if fail {
			return "", errors.New("unreachable")
		}
		return key, nil
	}, 5*time.Minute, func() time.Time { return now })
	if calls != 0 {
		t.Fatal("the cache fetched at construction")
	}
	steps := []struct {
		advance time.Duration
		key     string
		fail    bool
		want    string
		calls   int
	}{
		{0, "hr_one", false, "hr_one", 1},
		{4 * time.Minute, "hr_two", false, "hr_one", 1},  // still cached
		{2 * time.Minute, "hr_two", false, "hr_two", 2},  // expired: fetched again
		{6 * time.Minute, "hr_three", true, "hr_two", 3}, // refresh fails: the last hash stays
		{0, "hr_three", false, "hr_three", 4},            // and the next call tries again
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		key, fail = s.key, s.fail
		got, err := c.Hash(context.Background())
		if err != nil || got != webhook.HashKey(s.want) || calls != s.calls {
			t.Fatalf("step %d: hash of %q? %v; %d calls, want %s and %d", i, got, err, calls, s.want, s.calls)
		}
	}
	// With nothing cached, a failure is an error.
	empty := adminkey.NewCache(func(context.Context) (string, error) { return "", errors.New("down") }, time.Minute, nil)
	if _, err := empty.Hash(context.Background()); err == nil {
		t.Fatal("a failed first fetch returned no error")
	}
}

// TestSecretsManager reads a secret through the real SDK client from an HTTP
// endpoint that speaks the Secrets Manager JSON protocol.
func TestSecretsManager(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hookrelay-admin-AbCdEf"
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		asked = append(asked, r.Header.Get("X-Amz-Target")+" "+in.SecretId)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.SecretId != arn {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"no such secret"}`)
			return
		}
		_, _ = io.WriteString(w, `{"ARN":"`+arn+`","Name":"hookrelay-admin","SecretString":"hr_from_secret\n"}`)
	}))
	defer srv.Close()
	client := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
	c := adminkey.NewCache(adminkey.SecretsManager(client, arn), adminkey.DefaultTTL, nil)
	for range 3 {
		got, err := c.Hash(context.Background())
		if err != nil || got != webhook.HashKey("hr_from_secret") {
			t.Fatalf("Hash = %q, %v", got, err)
		}
	}
	if len(asked) != 1 || asked[0] != "secretsmanager.GetSecretValue "+arn {
		t.Fatalf("requests %q, want one GetSecretValue of the ARN", asked)
	}
	if _, err := adminkey.SecretsManager(client, "other")(context.Background()); err == nil {
		t.Fatal("a missing secret gave no error")
	}
}
