package webhook

import (
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in      string
		want    Schedule
		wantErr bool
	}{
		{"", DefaultSchedule, false},
		{"0s,1s,1s", Schedule{0, time.Second, time.Second}, false},
		{" 0s , 500ms ,2m", Schedule{0, 500 * time.Millisecond, 2 * time.Minute}, false},
		{"5s", Schedule{5 * time.Second}, false},
		{"0s,,1s", nil, true},
		{"0s,soon", nil, true},
		{"0s,-1s", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseSchedule(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSchedule(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && got.String() != tt.want.String() {
			t.Errorf("ParseSchedule(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDefaultSchedule(t *testing.T) {
	if DefaultSchedule.String() != "0s,5s,5m0s,30m0s,2h0m0s,5h0m0s,10h0m0s,10h0m0s" {
		t.Fatalf("default schedule is %v, SPEC §2 says 0s,5s,5m,30m,2h,5h,10h,10h", DefaultSchedule)
	}
	if DefaultSchedule.Attempts() != 8 || DefaultSchedule.Longest() != 10*time.Hour {
		t.Fatalf("attempts %d, longest %v", DefaultSchedule.Attempts(), DefaultSchedule.Longest())
	}
}

func TestAfterFailure(t *testing.T) {
	s := Schedule{0, 5 * time.Second, 5 * time.Minute}
	tests := []struct {
		name       string
		attempt    int
		retries    bool
		status     int
		retryAfter time.Duration
		want       Outcome
	}{
		{"first failure waits the second entry", 1, true, 500, 0, Outcome{true, 5 * time.Second}},
		{"second failure waits the third entry", 2, true, 0, 0, Outcome{true, 5 * time.Minute}},
		{"the last attempt ends it", 3, true, 500, 0, Outcome{}},
		{"retries off: one attempt", 1, false, 500, 0, Outcome{}},
		{"410 Gone ends it", 1, true, 410, 0, Outcome{}},
		{"Retry-After shorter than the schedule is honoured", 2, true, 429, 30 * time.Second, Outcome{true, 30 * time.Second}},
		{"Retry-After longer than the schedule is capped", 1, true, 503, time.Hour, Outcome{true, 5 * time.Second}},
		{"Retry-After on a 500 is ignored", 2, true, 500, time.Second, Outcome{true, 5 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.AfterFailure(tt.attempt, tt.retries, tt.status, tt.retryAfter); got != tt.want {
				t.Fatalf("AfterFailure = %+v, want %+v", got, tt.want)
			}
		})
	}
}
