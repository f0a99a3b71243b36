package localtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
)

// StartRuntime starts the whole local runtime for a test, as `make dev`
// does: cfg.Root is found from the working directory, and the API listens on
// a free loopback port unless cfg.APIAddr says otherwise. The caller closes
// it.
func StartRuntime(cfg local.Config) (*local.Runtime, error) {
	if cfg.Root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if cfg.Root, err = local.FindRoot(wd); err != nil {
			return nil, err
		}
	}
	if cfg.APIAddr == "" {
		cfg.APIAddr = "127.0.0.1:0"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return local.Start(ctx, cfg)
}

// SyncBuffer is a bytes.Buffer that many goroutines may write, such as a
// runtime's JSON logger.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Tail returns at most the last n bytes written.
func (b *SyncBuffer) Tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// Lines returns the JSON log lines whose msg is msg.
func (b *SyncBuffer) Lines(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range bytes.Split([]byte(b.String()), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}
