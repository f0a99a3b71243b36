package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The app synthesises through the pinned npm CDK CLI (cdk.json: go run
// ./infra) with no AWS credentials and no network: what `make synth` does,
// with placeholder function binaries.

func cdkCLI(t *testing.T) (root, cli string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cli = filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("the CDK CLI is not installed (%v): run `make tools` (npm ci)", err)
	}
	return root, cli
}

// offlineEnv is the environment without AWS credentials or profiles.
func offlineEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "CDK_") {
			continue
		}
		env = append(env, kv)
	}
	dir := t.TempDir()
	return append(env,
		"CDK_DEFAULT_ACCOUNT=111111111111",
		"CDK_DEFAULT_REGION=eu-west-1",
		"CDK_DISABLE_CLI_TELEMETRY=true",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
	)
}

func placeholderAssets(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"api", "fanout", "deliver", "sweeper"} {
		if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f, "bootstrap"), []byte("placeholder "+f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func cdk(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root, cli := cdkCLI(t)
	cmd := exec.Command(cli, append(args, "--no-notices")...)
	cmd.Dir = root
	cmd.Env = offlineEnv(t)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func TestCLISynth(t *testing.T) {
	out := t.TempDir()
	_, stderr, err := cdk(t, "synth", "--quiet", "--output", out,
		"-c", "assetDir="+placeholderAssets(t), "-c", "stage=ci", "-c", "alarmEmail=ops@example.com", "-c", "retrySchedule=0s,1s,1s")
	if err != nil {
		t.Fatalf("cdk synth: %v\n%s", err, stderr)
	}

	b, err := os.ReadFile(filepath.Join(out, "hookrelay-ci.template.json"))
	if err != nil {
		t.Fatalf("no template: %v", err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, r := range tmpl.Resources {
		types[r.Type]++
		if r.Type == "AWS::SQS::Queue" && r.Properties["QueueName"] == "hookrelay-ci-deliveries" {
			// The context reached the stack: 3 attempts + 5.
			if rp := r.Properties["RedrivePolicy"].(map[string]any); rp["maxReceiveCount"] != 8.0 {
				t.Errorf("maxReceiveCount %v, want 8", rp["maxReceiveCount"])
			}
		}
	}
	for typ, n := range map[string]int{"AWS::Lambda::Function": 4, "AWS::DynamoDB::Table": 5, "AWS::SQS::Queue": 3, "AWS::SNS::Topic": 1, "AWS::CloudWatch::Dashboard": 1} {
		if types[typ] != n {
			t.Errorf("%d %s, want %d", types[typ], typ, n)
		}
	}

	// cdk-nag's report: every rule that applies is met or suppressed.
	f, err := os.Open(filepath.Join(out, "AwsSolutions-hookrelay-ci-NagReport.csv"))
	if err != nil {
		t.Fatalf("no cdk-nag report: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 {
		t.Fatalf("cdk-nag report has %d rows", len(rows))
	}
	for _, row := range rows[1:] {
		if row[2] != "Compliant" && row[2] != "Suppressed" {
			t.Errorf("cdk-nag: %s on %s is %s", row[0], row[1], row[2])
		}
	}
}

func TestCLISynthRejectsBadContext(t *testing.T) {
	_, stderr, err := cdk(t, "synth", "--quiet", "--output", t.TempDir(), "-c", "assetDir="+placeholderAssets(t), "-c", "stage=Not_Valid")
	if err == nil {
		t.Fatal("cdk synth accepted stage=Not_Valid")
	}
	if !strings.Contains(stderr, `stage "Not_Valid"`) {
		t.Errorf("stderr does not name the bad stage:\n%s", stderr)
	}
}
