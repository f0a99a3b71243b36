// Command infra is hookrelay's AWS CDK app. The CDK CLI runs it (cdk.json:
// `go run ./infra`); `make synth`, `make deploy` and `make destroy` are the
// usual ways in. Settings come from the CDK context, for example
// `cdk deploy -c stage=prod -c alarmEmail=ops@example.com`; see docs/deploy.md.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/hookrelay/hookrelay/infra/stack"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(nil)
	props, err := stack.PropsFromContext(app.Node())
	if err != nil {
		return err
	}
	if _, err := stack.New(app, props); err != nil {
		return err
	}
	stack.Check(app)
	app.Synth(nil)
	return nil
}
