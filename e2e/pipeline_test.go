// Package e2e tests hookrelay end to end through the local runtime: the API
// over HTTP, the DynamoDB stream and SQS pollers, and real HTTP receivers on
// loopback.
package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/sqs"
)

type createdWebhook struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

type delivery struct {
	ID       string `json:"id"`
	EventID  string `json:"event_id"`
	Status   string `json:"status"`
	Attempts []struct {
		Attempt      int    `json:"attempt"`
		StatusCode   int    `json:"status_code"`
		ResponseBody string `json:"response_body"`
		Error        string `json:"error"`
	} `json:"attempts"`
}

func subscribe(c client, url string, types ...string) createdWebhook {
	c.t.Helper()
	var w createdWebhook
	c.must(201, "POST", "/webhooks", map[string]any{"url": url, "event_types": types}, &w)
	if w.ID == "" || !strings.HasPrefix(w.Secret, "whsec_") {
		c.t.Fatalf("webhook create answered %+v", w)
	}
	return w
}

func publish(c client, typ string, data any) string {
	c.t.Helper()
	var e struct{ ID, Type, Timestamp string }
	c.must(202, "POST", "/events", map[string]any{"type": typ, "data": data}, &e)
	if e.ID == "" || e.Type != typ || e.Timestamp == "" {
		c.t.Fatalf("publish answered %+v", e)
	}
	return e.ID
}

func TestDeliverySignedAndVerifiedByStandardWebhooks(t *testing.T) {
	c := tenant(t)
	recv := newReceiver(t, func(int) int { return 200 })
	w := subscribe(c, recv.URL+"/hooks", "registration.*")
	evtID := publish(c, "registration.created", map[string]any{"registration_id": 42, "name": "Ada"})

	got := recv.next(t, 10*time.Second)
	wh, err := standardwebhooks.NewWebhook(w.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(got.Body, got.Header); err != nil {
		t.Fatalf("the Standard Webhooks library rejects the request: %v (headers %v)", err, got.Header)
	}
	var body struct {
		ID, Type, Timestamp string
		Data                map[string]any
	}
	if err := json.Unmarshal(got.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.ID != evtID || body.Type != "registration.created" || body.Data["name"] != "Ada" {
		t.Fatalf("body %s", got.Body)
	}
	if ts, err := time.Parse(time.RFC3339, body.Timestamp); err != nil || time.Since(ts) > time.Minute {
		t.Fatalf("timestamp %q", body.Timestamp)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content-type %q", ct)
	}
	if ua := got.Header.Get("User-Agent"); !strings.HasPrefix(ua, "hookrelay/") {
		t.Fatalf("user-agent %q", ua)
	}
	msgID := got.Header.Get("webhook-id")
	if !strings.HasPrefix(msgID, "msg_") {
		t.Fatalf("webhook-id %q", msgID)
	}

	var d delivery
	eventually(t, 10*time.Second, "the delivery is recorded as succeeded", func() bool {
		c.must(200, "GET", "/deliveries/"+msgID, nil, &d)
		return d.Status == "succeeded"
	})
	if len(d.Attempts) != 1 || d.Attempts[0].StatusCode != 200 || d.Attempts[0].ResponseBody != "answer 1" || d.EventID != evtID {
		t.Fatalf("delivery %+v", d)
	}
	var attemptLogged bool
	for _, l := range logs.Lines("delivery.attempt") {
		if l["delivery_id"] == msgID && l["outcome"] == "succeeded" && l["webhook_id"] == w.ID && l["event_id"] == evtID &&
			l["attempt"] == float64(1) && l["status_code"] == float64(200) && l["tenant_id"] != nil && l["duration_ms"] != nil && l["error"] == "" {
			attemptLogged = true
		}
	}
	if !attemptLogged {
		t.Fatalf("no delivery.attempt log line with the SPEC fields for %s", msgID)
	}
}

func TestRetriesUnderOneWebhookID(t *testing.T) {
	c := tenant(t)
	// Fails twice, then succeeds.
	recv := newReceiver(t, func(n int) int {
		if n <= 2 {
			return 503
		}
		return 200
	})
	subscribe(c, recv.URL, "booking.updated")
	publish(c, "booking.updated", map[string]any{"booking": 7})

	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, recv.next(t, 15*time.Second).Header.Get("webhook-id"))
	}
	if ids[0] == "" || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("webhook-id changed across retries: %v", ids)
	}
	var d delivery
	eventually(t, 10*time.Second, "the delivery succeeds on the third attempt", func() bool {
		c.must(200, "GET", "/deliveries/"+ids[0], nil, &d)
		return d.Status == "succeeded"
	})
	if len(d.Attempts) != 3 || d.Attempts[0].StatusCode != 503 || d.Attempts[1].Error == "" || d.Attempts[2].StatusCode != 200 {
		t.Fatalf("attempts %+v", d.Attempts)
	}
	for i, a := range d.Attempts {
		if a.Attempt != i+1 {
			t.Fatalf("attempt %d numbered %d", i+1, a.Attempt)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	if n := recv.count(); n != 3 {
		t.Fatalf("receiver got %d requests after success, want 3", n)
	}
}

func TestExhaustedDeliveryFailsIntoTheDeadLetterQueue(t *testing.T) {
	c := tenant(t)
	recv := newReceiver(t, func(int) int { return 500 })
	subscribe(c, recv.URL, "transaction.created")
	publish(c, "transaction.created", map[string]any{"amount": 100})

	first := recv.next(t, 10*time.Second)
	msgID := first.Header.Get("webhook-id")
	var d delivery
	eventually(t, 20*time.Second, "the delivery ends failed", func() bool {
		c.must(200, "GET", "/deliveries/"+msgID, nil, &d)
		return d.Status == "failed"
	})
	if len(d.Attempts) != len(schedule) {
		t.Fatalf("%d attempts, want %d (the schedule's length)", len(d.Attempts), len(schedule))
	}
	if !inDeadLetterQueue(t, msgID) {
		t.Fatalf("delivery %s failed but its message is not in the dead-letter queue", msgID)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := recv.count(); n != len(schedule) {
		t.Fatalf("receiver got %d requests, want %d", n, len(schedule))
	}
}

// inDeadLetterQueue looks for the delivery's message in the dead-letter
// queue, leaving every message there.
func inDeadLetterQueue(t *testing.T, deliveryID string) bool {
	t.Helper()
	q := awsconf.SQS(awsconf.Local(), runtime(t).Emulators.SQSEndpoint)
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		res, err := q.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{
			QueueUrl: aws.String(runtime(t).Queues.DeadLetter), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 1,
		})
		if err != nil {
			t.Fatalf("receive from the dead-letter queue: %v", err)
		}
		for _, m := range res.Messages {
			if msg, err := sqs.Decode(aws.ToString(m.Body)); err == nil && msg.DeliveryID == deliveryID {
				return true
			}
		}
	}
	return false
}

func TestUnsubscribedTypeReachesNobody(t *testing.T) {
	c := tenant(t)
	recv := newReceiver(t, func(int) int { return 200 })
	subscribe(c, recv.URL, "booking.cancelled", "program.*")
	other := tenant(t)
	otherRecv := newReceiver(t, func(int) int { return 200 })
	subscribe(other, otherRecv.URL, "*") // another tenant's catch-all must not see it either

	ignored := publish(c, "availability.updated", map[string]any{"slots": 3})
	// A subscribed event published afterwards is the barrier: once it has
	// arrived, the stream has passed the ignored one.
	publish(c, "booking.cancelled", map[string]any{"booking": 1})
	got := recv.next(t, 10*time.Second)
	var body struct{ Type string }
	_ = json.Unmarshal(got.Body, &body)
	if body.Type != "booking.cancelled" {
		t.Fatalf("receiver got a %q event", body.Type)
	}
	var ev struct {
		ID         string            `json:"id"`
		Deliveries []json.RawMessage `json:"deliveries"`
	}
	c.must(200, "GET", "/events/"+ignored, nil, &ev)
	if ev.ID != ignored || len(ev.Deliveries) != 0 {
		t.Fatalf("event %s has deliveries %s", ignored, ev.Deliveries)
	}
	time.Sleep(500 * time.Millisecond)
	if n := recv.count(); n != 1 {
		t.Fatalf("receiver got %d requests, want 1", n)
	}
	if n := otherRecv.count(); n != 0 {
		t.Fatalf("another tenant's webhook got %d requests", n)
	}
}

func TestSameEventIDTwiceDeliversOnce(t *testing.T) {
	c := tenant(t)
	recv := newReceiver(t, func(int) int { return 200 })
	subscribe(c, recv.URL, "*")
	body := map[string]any{"id": "order-1001", "type": "booking.updated", "data": map[string]any{"a": 1}}
	c.must(202, "POST", "/events", body, nil)
	c.must(200, "POST", "/events", body, nil)
	recv.next(t, 10*time.Second)
	time.Sleep(time.Second)
	if n := recv.count(); n != 1 {
		t.Fatalf("an event published twice with one id reached the receiver %d times", n)
	}
}
