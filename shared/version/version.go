// Package version holds hookrelay's version, set at link time by the Makefile.
package version

// Version is the release this binary was built from.
var Version = "dev"

// UserAgent is the user-agent of every delivery request.
func UserAgent() string { return "hookrelay/" + Version }
