package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

type coldFigures struct {
	name        string
	zipBytes    int64
	binBytes    int64
	inits       []time.Duration
	awsRequests int64    // requests the fake AWS endpoint got during init
	connects    []string // connections other than the runtime API's
	rapiConns   int      // connections to the runtime API: proof the trace sees them
}

// benchColdStart zips each function as `make lambdas` built it (arm64) and
// times the init of the same code built for this machine: from starting the
// bootstrap binary to its first request for an invocation at a fake Lambda
// runtime API. AWS_ENDPOINT_URL points to a server that counts requests, and
// one extra run under strace lists every connect().
func benchColdStart(ctx context.Context, root string, reps int) ([]*coldFigures, error) {
	tmp, err := os.MkdirTemp("", "hookrelay-coldstart")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dirs, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	var out []*coldFigures
	for _, dir := range dirs {
		fn := dir.Name()
		f := &coldFigures{name: fn}
		arm := filepath.Join(root, "bin", "lambda", fn, "bootstrap")
		if f.zipBytes, f.binBytes, err = zipSize(arm); err != nil {
			return nil, fmt.Errorf("%s: %w (run `make lambdas` first)", fn, err)
		}
		host := filepath.Join(tmp, fn)
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", host, "./functions/"+fn)
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOARCH="+runtime.GOARCH)
		if b, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s: %v: %s", fn, err, b)
		}
		for i := 0; i < reps+1; i++ { // the first run warms the page cache
			d, n, _, err := initOnce(ctx, host, false)
			if err != nil {
				return nil, fmt.Errorf("%s init: %w", fn, err)
			}
			if i > 0 {
				f.inits = append(f.inits, d)
			}
			f.awsRequests += n
		}
		if _, err := exec.LookPath("strace"); err == nil {
			_, n, conns, err := initOnce(ctx, host, true)
			if err != nil {
				return nil, fmt.Errorf("%s init under strace: %w", fn, err)
			}
			f.awsRequests += n
			for _, c := range conns {
				if c == "runtime-api" {
					f.rapiConns++
				} else {
					f.connects = append(f.connects, c)
				}
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func zipSize(path string) (zipped, raw int64, err error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err != nil {
		return 0, 0, err
	}
	if _, err := w.Write(bin); err != nil {
		return 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	return int64(buf.Len()), int64(len(bin)), nil
}

var connectLine = regexp.MustCompile(`connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\((\d+)\),[^"]*"([^"]+)"`)

// initOnce starts bin with a fake runtime API and returns the time until it
// asked for its first invocation, how many requests reached the fake AWS
// endpoint meanwhile, and (with trace) the addresses it connected to other
// than the runtime API.
func initOnce(ctx context.Context, bin string, trace bool) (time.Duration, int64, []string, error) {
	var awsRequests atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		awsRequests.Add(1)
		http.Error(w, "no AWS here", http.StatusServiceUnavailable)
	}))
	defer sink.Close()
	ready := make(chan time.Time, 1)
	initErr := make(chan string, 1)
	stop := make(chan struct{})
	rapi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/runtime/invocation/next"):
			select {
			case ready <- time.Now():
			default:
			}
			select { // no invocation ever comes
			case <-r.Context().Done():
			case <-stop:
			}
		case strings.HasSuffix(r.URL.Path, "/runtime/init/error"):
			b, _ := io.ReadAll(r.Body)
			initErr <- string(b)
			w.WriteHeader(http.StatusAccepted)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer rapi.Close()
	rapiAddr := rapi.Listener.Addr().(*net.TCPAddr)

	args := []string{bin}
	var traceFile string
	if trace {
		traceFile = bin + ".strace"
		args = []string{"strace", "-f", "-qq", "-e", "trace=connect", "-o", traceFile, bin}
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	// Its own process group, so that killing it also ends the binary that
	// strace runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API=" + rapiAddr.String(),
		"AWS_LAMBDA_FUNCTION_NAME=bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
		"AWS_ENDPOINT_URL=" + sink.URL,
		"HOOKRELAY_TABLE_PREFIX=hookrelay-bench-",
		"HOOKRELAY_QUEUE_URL=" + sink.URL + "/000000000000/deliveries",
		"HOOKRELAY_DLQ_URL=" + sink.URL + "/000000000000/deliveries-dlq",
		"HOOKRELAY_RETRY_SCHEDULE=0s,5s,5m,30m,2h,5h,10h,10h",
		"HOOKRELAY_ALLOW_PRIVATE_TARGETS=false",
		"HOOKRELAY_ADMIN_KEY_SECRET_ARN=arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, nil, err
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		close(stop)
	}()
	select {
	case at := <-ready:
		n := awsRequests.Load()
		if !trace {
			return at.Sub(start), n, nil, nil
		}
		time.Sleep(50 * time.Millisecond) // let strace flush
		raw, err := os.ReadFile(traceFile)
		if err != nil {
			return 0, 0, nil, err
		}
		var conns []string
		for _, m := range connectLine.FindAllStringSubmatch(string(raw), -1) {
			if m[1] == fmt.Sprint(rapiAddr.Port) {
				conns = append(conns, "runtime-api")
				continue
			}
			conns = append(conns, m[2]+":"+m[1])
		}
		return at.Sub(start), n, conns, nil
	case msg := <-initErr:
		return 0, 0, nil, fmt.Errorf("init error: %s", msg)
	case <-time.After(20 * time.Second):
		return 0, 0, nil, fmt.Errorf("no request for an invocation within 20s")
	}
}
