package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDevStartsAndStopsEverything runs `hookrelay dev` as a user does, waits
// for the banner, checks /healthz, presses Ctrl-C (SIGINT) and asserts that no
// child process (java, node) outlives it.
func TestDevStartsAndStopsEverything(t *testing.T) {
	bin := binary(t)
	cmd := exec.Command(bin, "dev")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "HOOKRELAY_API_ADDR=127.0.0.1:0", "HOOKRELAY_ADMIN_KEY=hr_test_admin_key", "AWS_ENDPOINT_URL=")
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	url, err := waitForBanner(stderr, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(url + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	req, _ := http.NewRequest("POST", url+"/v1/tenants", strings.NewReader(`{"id":"acme","name":"Acme"}`))
	req.Header.Set("Authorization", "Bearer hr_test_admin_key")
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("the admin key from HOOKRELAY_ADMIN_KEY is not accepted: %v %v", res, err)
	}

	children := descendants(cmd.Process.Pid)
	if len(children) < 2 {
		t.Fatalf("expected the emulators as child processes, found %v", children)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("hookrelay dev exited with %v after SIGINT", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("hookrelay dev did not stop within 30s of SIGINT")
	}
	for _, pid := range children {
		if alive(pid) {
			t.Errorf("child process %d outlived hookrelay dev", pid)
		}
	}
}

var apiLine = regexp.MustCompile(`^\s+API\s+(http://\S+)`)

func waitForBanner(r io.Reader, within time.Duration) (string, error) {
	found := make(chan string, 1)
	var seen strings.Builder
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if m := apiLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case url := <-found:
		return url, nil
	case <-time.After(within):
		return "", fmt.Errorf("no banner within %s; output:\n%s", within, seen.String())
	}
}

// descendants lists every process below pid, read from /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 {
			pp, _ := strconv.Atoi(fields[1])
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}
