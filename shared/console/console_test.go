package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/api/apigw"
)

// TestServedByTheAPI: the console's files are public and carry a strict
// content security policy; everything else still needs a key.
func TestServedByTheAPI(t *testing.T) {
	srv := httptest.NewServer(api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	cases := []struct {
		path, status, contentType, contains string
	}{
		{"/console/", "200", "text/html", `<script src="app.js" defer></script>`},
		{"/console/app.js", "200", "javascript", "Authorization: 'Bearer '"},
		{"/console/app.css", "200", "text/css", ":focus-visible"},
		{"/console/nope.js", "404", "", ""},
		{"/v1/event-types", "401", "application/json", "unauthorized"},
		{"/consolex", "401", "application/json", ""},
	}
	for _, tc := range cases {
		res, err := noRedirect.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if got := res.Status[:3]; got != tc.status {
			t.Errorf("GET %s: %s, want %s", tc.path, res.Status, tc.status)
			continue
		}
		if !strings.Contains(res.Header.Get("Content-Type"), tc.contentType) || !strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s: %s, %.200q", tc.path, res.Header.Get("Content-Type"), body)
		}
		if strings.HasPrefix(tc.path, "/console/") && tc.status == "200" {
			csp := res.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
			}
		}
	}

	res, err := noRedirect.Get(srv.URL + "/console")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/console/" {
		t.Errorf("GET /console: %s to %q, want a redirect to /console/", res.Status, res.Header.Get("Location"))
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/console/", nil)
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /console/ without a key: %s, want 401", res.Status)
	}
}

// TestThroughAPIGateway: behind API Gateway's $default route (payload 2.0,
// through the api function's adapter) the console's page arrives as text,
// not base64, with its headers.
func TestThroughAPIGateway(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := apigw.Handler(api.New(api.Config{Logger: log}), log)
	for path, want := range map[string]string{"/console/": "<title>hookrelay console</title>", "/console/app.js": "Bearer"} {
		req := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "$default", RawPath: path, Headers: map[string]string{"host": "abc.execute-api.eu-west-1.amazonaws.com"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				Stage: "$default", DomainName: "abc.execute-api.eu-west-1.amazonaws.com",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
			},
		}
		res, err := h(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || res.IsBase64Encoded || !strings.Contains(res.Body, want) {
			t.Errorf("GET %s: %d base64=%t %.120q", path, res.StatusCode, res.IsBase64Encoded, res.Body)
		}
		if !strings.Contains(res.Headers["Content-Security-Policy"], "default-src 'none'") {
			t.Errorf("GET %s: headers %v", path, res.Headers)
		}
	}
}
