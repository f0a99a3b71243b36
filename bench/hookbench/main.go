// Command hookbench is `make bench`: it measures hookrelay against its
// baselines on this machine and writes the figures into BENCHMARKS.md,
// between the markers <!-- bench:start --> and <!-- bench:end -->.
//
//	go run ./bench/hookbench                  # everything, about 5 minutes
//	go run ./bench/hookbench -parts deliver,fanout -out ''
//
// Parts: deliver (the deliver handler vs a plain HTTP POST loop), fanout
// (one event to 1…10,000 webhooks), writes (10,000 records by conditional
// PutItem vs BatchWriteItem), e2e (publish→receipt through the local
// runtime), cold (zipped size and init time of each function). The Go
// micro-benchmarks (signing, matching, encoding) are `go test -bench`, which
// the Makefile runs and passes in with -gobench.
//
// Every AWS call goes to DynamoDB Local and fauxqs on loopback, through
// clients that count their calls (shared/awscount) for the cost model.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
)

func main() {
	parts := flag.String("parts", "deliver,fanout,writes,e2e,cold", "comma-separated parts to run")
	reps := flag.Int("reps", 5, "repetitions of each measurement (medians are quoted)")
	n := flag.Int("deliveries", 1000, "deliveries per repetition of the deliver bench")
	maxHooks := flag.Int("max-webhooks", 10000, "largest fan-out")
	out := flag.String("out", "BENCHMARKS.md", "file whose bench:start…bench:end section is replaced; empty: stdout only")
	gobench := flag.String("gobench", "", "file with `go test -bench` output to include")
	flag.IntVar(&pollers, "pollers", 4, "queue poller batches in flight in the e2e part (make dev's default is 4; the stack allows 50 deliver invocations)")
	flag.Parse()
	if err := run(*parts, *reps, *n, *maxHooks, *out, *gobench); err != nil {
		log.Fatal(err)
	}
}

// pollers is the e2e part's queue poller concurrency.
var pollers int

func run(parts string, reps, n, maxHooks int, out, gobench string) error {
	want := map[string]bool{}
	for _, p := range strings.Split(parts, ",") {
		want[strings.TrimSpace(p)] = true
	}
	wd, _ := os.Getwd()
	root, err := local.FindRoot(wd)
	if err != nil {
		return err
	}
	ctx := context.Background()
	r := &report{started: time.Now(), command: "make bench (go run ./bench/hookbench " + strings.Join(os.Args[1:], " ") + ")", reps: reps}
	r.machine = machine()
	if gobench != "" {
		b, err := os.ReadFile(gobench)
		if err != nil {
			return err
		}
		r.gobench = string(b)
	}

	var emu *local.Emulators
	if want["deliver"] || want["fanout"] || want["writes"] || want["e2e"] {
		t := time.Now()
		if emu, err = local.StartEmulators(ctx, local.EmulatorOptions{Root: root}); err != nil {
			return err
		}
		defer emu.Close()
		log.Printf("emulators up in %s", time.Since(t).Round(time.Millisecond))
	}
	if want["deliver"] {
		for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
			count := n
			if delay > 0 {
				count = min(n, 300)
			}
			log.Printf("deliver: %d deliveries × %d, receiver delay %s", count, reps, delay)
			f, err := benchDeliver(ctx, emu, count, reps, delay)
			if err != nil {
				return fmt.Errorf("deliver bench: %w", err)
			}
			r.deliver = append(r.deliver, f)
		}
	}
	r.flush(out)
	if want["fanout"] {
		for _, hooks := range []int{1, 100, 1000, 10000} {
			if hooks > maxHooks {
				break
			}
			k := reps
			if hooks >= 10000 {
				k = min(reps, 3)
			}
			log.Printf("fanout: %d webhooks × %d", hooks, k)
			f, err := benchFanout(ctx, emu, hooks, k)
			if err != nil {
				return fmt.Errorf("fanout bench: %w", err)
			}
			r.fanout = append(r.fanout, f)
		}
	}
	if want["writes"] {
		log.Printf("writes: 10000 records × %d", reps)
		if r.writes, err = benchWrites(ctx, emu, 10000, reps); err != nil {
			return fmt.Errorf("writes bench: %w", err)
		}
	}
	r.flush(out)
	if want["e2e"] {
		for _, hooks := range []int{1, 10, 100} {
			events := 100
			if hooks == 100 {
				events = 20
			}
			log.Printf("e2e: %d webhooks", hooks)
			f, err := benchE2E(ctx, emu, hooks, events, 2000)
			if err != nil {
				return fmt.Errorf("e2e bench: %w", err)
			}
			r.e2e = append(r.e2e, f)
		}
	}
	r.flush(out)
	if want["cold"] {
		log.Printf("cold start")
		if r.cold, err = benchColdStart(ctx, root, max(reps, 10)); err != nil {
			return fmt.Errorf("cold start bench: %w", err)
		}
	}
	md := r.markdown()
	fmt.Print(md)
	if out == "" {
		return nil
	}
	return replaceSection(out, md)
}

// flush writes what has been measured so far, so that a part that fails or
// hangs later loses nothing.
func (r *report) flush(out string) {
	if out == "" {
		return
	}
	if err := replaceSection(out, r.markdown()); err != nil {
		log.Printf("write %s: %v", out, err)
	}
}

// machine describes this computer: cores, CPU model, memory, Go and OS.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.1f GiB memory", float64(kb)/(1<<20))
	}
	java := ""
	if b, err := exec.Command("java", "-version").CombinedOutput(); err == nil {
		java = ", " + strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)[0]
	}
	return fmt.Sprintf("%d cores (nproc), %s%s, %s %s/%s%s", runtime.NumCPU(), cpu, mem, runtime.Version(), runtime.GOOS, runtime.GOARCH, java)
}

// replaceSection puts md between the bench markers of the file at path.
func replaceSection(path, md string) error {
	const start, end = "<!-- bench:start -->", "<!-- bench:end -->"
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s section", path, start, end)
	}
	s = s[:i+len(start)] + "\n" + md + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
