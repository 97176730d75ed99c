package cli

import "strings"

// cmdHelp is what help says of a command or subcommand: its arguments
// after "numan <name>", and what it does.
type cmdHelp struct {
	name, synopsis, summary string
}

// subcommands are the subcommands of the commands that have them, in the
// order help lists them.
var subcommands = map[string][]cmdHelp{
	"accounts": {
		{"create", "--name NAME [--parent ID]", "create a child account; prints its id and API key"},
		{"list", "[--descendants]", "the account's children (or every account below it)"},
		{"get", "[ID]", "an account (default: --account, or the credentials' own)"},
		{"api-key", "[ID]", "an account's API key"},
		{"delete", "[--release-numbers] ID", "delete an account; refused while it holds numbers unless they are released"},
	},
	"numbers": {
		{"search", "--prefix 415 [--quantity 10] [--country US]", "search the carriers for numbers to buy"},
		{"list", "[--state S,...] [--all | --start-key KEY]", "the account's numbers, a page at a time"},
		{"get", "NUMBER", "one number's JSON"},
		{"history", "[--all] NUMBER", "every change of a number: when, what, who, from which request, the state and owner before and after"},
		{"add", "[--state S] [--carrier NAME] NUMBER...", "create numbers (admins and accounts allowed additions)"},
		{"activate", "NUMBER...", "buy numbers into the account"},
		{"reserve", "NUMBER...", "reserve numbers for the account"},
		{"release", "NUMBER...", "release numbers"},
		{"delete", "[--hard=false] NUMBER...", "delete numbers for good (admins); --hard=false releases"},
		{"used-by", "APP NUMBER... | --clear NUMBER...", "set (or clear) the app that routes numbers: callflow, trunkstore, ..."},
		{"import", "[--state S] [--carrier NAME] [--batch 100] [--workers 4] FILE.csv", "create the numbers of a CSV file (- for stdin)"},
		{"export", "[--out FILE] [--state S] [--pool [--carrier NAME] [--prefix +1415]]", "the account's numbers as CSV; --pool: every number (admins)"},
	},
	"features": {
		{"get", "[--account ID]", "the account's number_manager settings and those in force for its numbers"},
		{"set", "key=value... [--file FILE] [--replace] [--account ID]", "set keys: carrier_modules, features, e911_provider, cnam_provider, routing"},
		{"reset", "[--account ID]", "remove the account's settings (its resellers' and system config's apply)"},
		{"route", "[--wait=false] [CARRIER...] [--account ID]", "re-point the numbers in service under the account at their routes"},
		{"job", "JOB_ID [--account ID]", "a routing job's progress and failures"},
		{"actions", "[--account ID]", "manual feature actions waiting for an operator"},
		{"done", "NUMBER ACTION_ID", "mark a manual action done (admins)"},
	},
	"webhooks": {
		{"list", "", "the account's webhooks"},
		{"create", "--name NAME --uri URL [--hook all|number.*|TYPE] [--http-verb post] [--include-subaccounts]", "create a webhook; prints its signing secret, once"},
		{"get", "ID", "a webhook's JSON"},
		{"enable", "ID", "enable a webhook (clears its failures)"},
		{"disable", "ID", "disable a webhook"},
		{"rotate", "ID", "a new signing secret, printed once"},
		{"attempts", "ID", "the delivery log: attempts, status, latency"},
		{"deliveries", "ID [--status pending|delivered|failed]", "each event's delivery (failed: dead-lettered)"},
		{"replay", "ID --event EVENT_ID | --since TIME [--until TIME]", "deliver events again"},
		{"delete", "ID", "delete a webhook"},
	},
	"ports": {
		{"list", "[--types active|progressing|suspended|completed|all|STATE,...] [--number N] [--descendants | --agent]", "the account's port requests (--agent: those the account handles as port authority)"},
		{"create", "--name NAME [--file DOC.json] NUMBER...", "create a port request (unconfirmed); DOC holds bill, notifications, signee_name, ..."},
		{"get", "ID", "a port request's JSON"},
		{"update", "ID key=value... [--file FILE] [--replace]", "merge keys into a port request (--replace: POST the whole document)"},
		{"move", "ID STATE [--reason R] [--schedule-on 'YYYY-MM-DD HH:MM' [--timezone TZ]]", "move a request: submitted, pending, scheduled, completed, rejected, canceled"},
		{"comment", "ID [--private] [--action-required] TEXT...", "add a comment (private ones and action_required: port authorities)"},
		{"timeline", "ID", "the request's transitions and comments, oldest first"},
		{"notifications", "ID", "what the submitter and the authority were told"},
		{"attach", "ID FILE [--name NAME]", "attach a PDF, PNG or JPEG document (loa.pdf, bill.pdf, ...)"},
		{"attachments", "ID", "the request's documents"},
		{"download", "ID NAME [--out FILE]", "a document, byte for byte"},
		{"loa", "ID [--out FILE]", "the Letter of Authorization generated from the request (PDF)"},
		{"delete", "ID", "delete a request (unconfirmed, rejected or canceled)"},
	},
	"config": {
		{"get", "ID [--node NODE]", "a system-config document over its defaults (secrets masked)"},
		{"set", "ID key=value... [--file FILE] [--replace] [--node NODE]", "set keys of a document (every node, or one node's section)"},
		{"delete", "ID [--node NODE]", "delete a document, or only one node's section with --node"},
	},
	"secrets": {
		{"generate", "", "print a new secret key (for NUMAN_SECRET_KEY or a key file)"},
		{"rotate", "[--db FILE|URL] [--secret-key-file FILE]", "seal every secret in the database again with a new key"},
	},
}

// synopses are the arguments of the commands without subcommands.
var synopses = map[string]string{
	"serve":     "[--listen ADDR] [--db FILE|URL] [--node NAME] [flags]",
	"migrate":   "[--db FILE|URL]",
	"version":   "",
	"login":     "--api-key KEY",
	"quote":     "[--action activate|create|reserve] NUMBER...",
	"bench":     "[--op get|search] [--concurrency 50] [--duration 10s] [--url URL]",
	"carriers":  "[flags] | numan carriers test [flags] NAME | numan carriers audit [flags] NAME",
	"reconcile": "[--older-than 5m] [--db FILE|URL]",
}

// helpOf is the help of "numan <name>" (a command, or "command sub").
func helpOf(name string) cmdHelp {
	cmd, sub, ok := strings.Cut(name, " ")
	if !ok {
		c := commands()[name]
		return cmdHelp{name: name, synopsis: synopses[name], summary: c.summary}
	}
	for _, h := range subcommands[cmd] {
		if h.name == sub {
			return h
		}
	}
	return cmdHelp{name: name}
}
