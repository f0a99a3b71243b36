package webhook

import (
	"fmt"
	"strings"
	"time"
)

// Schedule is the retry schedule: entry i is the wait before attempt i+1,
// counted from the end of the previous attempt (from publication for the
// first). Its length is the number of attempts.
type Schedule []time.Duration

// DefaultSchedule is eight attempts over about 28 hours.
var DefaultSchedule = Schedule{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// ParseSchedule reads a comma-separated list of Go durations such as
// "0s,5s,5m". An empty string gives DefaultSchedule.
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultSchedule, nil
	}
	parts := strings.Split(s, ",")
	out := make(Schedule, 0, len(parts))
	for i, p := range parts {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("retry schedule entry %d (%q): %w", i+1, p, err)
		}
		if d < 0 {
			return nil, fmt.Errorf("retry schedule entry %d (%q) is negative", i+1, p)
		}
		out = append(out, d)
	}
	return out, nil
}

// String writes the schedule in the form ParseSchedule reads.
func (s Schedule) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

// Attempts is the number of automatic attempts the schedule allows.
func (s Schedule) Attempts() int { return len(s) }

// Before returns the wait before attempt n (numbered from 1) and whether the
// schedule has such an attempt.
func (s Schedule) Before(n int) (time.Duration, bool) {
	if n < 1 || n > len(s) {
		return 0, false
	}
	return s[n-1], true
}

// Longest is the longest wait in the schedule.
func (s Schedule) Longest() time.Duration {
	var m time.Duration
	for _, d := range s {
		m = max(m, d)
	}
	return m
}

// Outcome says what follows a failed attempt.
type Outcome struct {
	Retry bool          // another automatic attempt follows
	Delay time.Duration // the wait before it
}

// AfterFailure decides what follows failed attempt n. retryAfter is the
// response's Retry-After (0 when absent); it shortens the wait, never
// lengthens it past the scheduled delay. A webhook with retries off, a 410, or
// the schedule's last attempt ends the delivery.
func (s Schedule) AfterFailure(n int, retries bool, statusCode int, retryAfter time.Duration) Outcome {
	if !retries || statusCode == 410 {
		return Outcome{}
	}
	d, ok := s.Before(n + 1)
	if !ok {
		return Outcome{}
	}
	if retryAfter > 0 && (statusCode == 429 || statusCode == 503) {
		d = min(d, retryAfter)
	}
	return Outcome{Retry: true, Delay: d}
}
