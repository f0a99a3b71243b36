// Package localtest gives tests real AWS APIs: one DynamoDB Local and one
// fauxqs per test binary, started on first use, and fresh tables and queues
// per test under a unique prefix. A test that cannot start an emulator fails
// with the reason; it never skips.
//
// Use it from TestMain so the emulators stop when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }
package localtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/shared/awsconf"
)

var (
	once   sync.Once
	emu    *local.Emulators
	emuErr error
)

// Main runs the tests and then stops the emulators, if any started.
func Main(m *testing.M) int {
	code := m.Run()
	if emu != nil {
		emu.Close()
	}
	return code
}

// Emulators returns the test binary's emulators, starting them on first use.
func Emulators(tb testing.TB) *local.Emulators {
	tb.Helper()
	once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			emuErr = err
			return
		}
		root, err := local.FindRoot(wd)
		if err != nil {
			emuErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var log *os.File
		if os.Getenv("HOOKRELAY_TEST_EMULATOR_LOG") != "" {
			log = os.Stderr
		}
		opt := local.EmulatorOptions{Root: root}
		if log != nil {
			opt.Log = log
		}
		emu, emuErr = local.StartEmulators(ctx, opt)
	})
	if emuErr != nil {
		tb.Fatalf("start emulators: %v", emuErr)
	}
	return emu
}

// Prefix returns a new unique resource-name prefix.
func Prefix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:]) + "-"
}

// Env is one test's resources: clients and the names of fresh tables and
// queues.
type Env struct {
	Prefix    string
	DynamoDB  *dynamodb.Client
	Streams   *dynamodbstreams.Client
	SQS       *awssqs.Client
	Queues    local.QueueURLs
	Emulators *local.Emulators
}

// New creates fresh tables and queues for one test. attempts sizes the
// redrive policy, as the retry schedule does in production.
func New(tb testing.TB, attempts int) *Env {
	tb.Helper()
	e := Emulators(tb)
	cfg := awsconf.Local()
	env := &Env{
		Prefix:    Prefix(),
		DynamoDB:  awsconf.DynamoDB(cfg, e.DynamoEndpoint),
		Streams:   awsconf.Streams(cfg, e.DynamoEndpoint),
		SQS:       awsconf.SQS(cfg, e.SQSEndpoint),
		Emulators: e,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := local.CreateTables(ctx, env.DynamoDB, env.Prefix); err != nil {
		tb.Fatalf("create tables: %v", err)
	}
	q, err := local.CreateQueues(ctx, env.SQS, env.Prefix, attempts)
	if err != nil {
		tb.Fatalf("create queues: %v", err)
	}
	env.Queues = q
	return env
}
