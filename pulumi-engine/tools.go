//go:build tools

// The Pulumi CLI built from Go modules by scripts/setup-pulumi. This module only pins its
// version; go.sum makes the build reproducible. (The YAML language host is in yaml-host/: it needs
// the pkg/v3 it was released against, which MVS would otherwise raise to the CLI's.)
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
