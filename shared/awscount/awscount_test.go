package awscount_test

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/awscount"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

func TestCountsCallsByOperation(t *testing.T) {
	emu := localtest.Emulators(t)
	var c awscount.Counter
	cfg := awsconf.Local()
	c.Attach(&cfg)
	db := awsconf.DynamoDB(cfg, emu.DynamoEndpoint)
	ctx := context.Background()

	before := c.Snapshot()
	for range 2 {
		if _, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	// A failing call is billed too.
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("no-such-table")})
	if err == nil {
		t.Fatal("DescribeTable of a missing table succeeded")
	}
	got := c.Snapshot().Sub(before)
	if got.Calls["DynamoDB.ListTables"] != 2 || got.Calls["DynamoDB.DescribeTable"] != 1 || got.Total() != 3 {
		t.Errorf("calls = %v, want ListTables=2 DescribeTable=1", got.Calls)
	}
	if n := got.Service("DynamoDB"); n != 3 {
		t.Errorf("requests to DynamoDB = %d, want 3 (%v)", n, got.Requests)
	}
	if s := got.String(); s != "DynamoDB.DescribeTable=1 DynamoDB.ListTables=2" {
		t.Errorf("String() = %q", s)
	}
}
