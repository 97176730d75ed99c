// Command numan is the Numan number manager: the Kazoo-compatible API
// server and the operator's command line. Run "numan help" for the commands.
package main

import (
	"context"
	"os"

	// Every built-in carrier registers itself. TODO: import carrier/all
	// alone once it exists (it lists every carrier, checked by its test).
	_ "github.com/numan-dev/numan/carrier/inventory"
	_ "github.com/numan-dev/numan/carrier/local"
	_ "github.com/numan-dev/numan/carrier/managed"
	_ "github.com/numan-dev/numan/carrier/mdn"
	_ "github.com/numan-dev/numan/carrier/reserved"
	_ "github.com/numan-dev/numan/carrier/reservedreseller"
	"github.com/numan-dev/numan/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:]))
}
