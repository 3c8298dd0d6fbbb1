//go:build tools

// The Pulumi YAML language host built from Go modules by scripts/setup-pulumi, in a module of its
// own so it compiles against the pkg/v3 it was released against (see go.mod); it talks to the CLI over
// gRPC, so the CLI's own version (../go.mod) does not have to match.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
