package main

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// The local runtime and the built binary are shared by the package's tests
// and started on first use.
var (
	rtOnce  sync.Once
	rt      *local.Runtime
	rtErr   error
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if rt != nil {
		rt.Close()
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runtime starts the local runtime once (emulators, API, pollers) with a
// short retry schedule; a test that needs it fails when it cannot start.
func runtime(t *testing.T) *local.Runtime {
	t.Helper()
	rtOnce.Do(func() {
		rt, rtErr = localtest.StartRuntime(local.Config{
			Schedule:     webhook.Schedule{0, time.Second, time.Second},
			AllowPrivate: true,
			Logger:       slog.New(slog.NewJSONHandler(io.Discard, nil)),
		})
	})
	if rtErr != nil {
		t.Fatalf("start the local runtime: %v", rtErr)
	}
	return rt
}

// binary builds cmd/hookrelay once and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "hookrelay-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hookrelay")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			binPath = string(out)
		}
	})
	if binErr != nil {
		t.Fatalf("build hookrelay: %v\n%s", binErr, binPath)
	}
	return binPath
}
