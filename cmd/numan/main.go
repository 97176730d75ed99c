// Command numan is the Numan number manager: the Kazoo-compatible API
// server and the operator's command line. Run "numan help" for the commands.
package main

import (
	"context"
	"os"

	_ "github.com/numan-dev/numan/carrier/all" // every built-in carrier registers itself
	_ "github.com/numan-dev/numan/feature/all" // and every feature provider, so system_configs accepts their settings
	"github.com/numan-dev/numan/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:]))
}
