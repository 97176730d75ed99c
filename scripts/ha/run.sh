#!/usr/bin/env bash
# Failover test of Numan on PostgreSQL with pg_auto_failover: a monitor, a
# primary and a synchronous standby, two `numan serve` nodes on the
# multi-host DSN, a write load (scripts/ha/hacheck), the primary killed in
# the middle of it. It passes when writes resume on both nodes without a
# restart, no acknowledged write is lost and no number is sold twice.
#
# Run as root from anywhere in the repository:
#
#   scripts/ha/run.sh                     # kill -9 the primary's postmaster
#   scripts/ha/run.sh --kill node         # kill the primary's keeper and postmaster (machine lost)
#   scripts/ha/run.sh --kill node --fast  # the same with pg_auto_failover's timeouts shortened
#   scripts/ha/run.sh --runs 2 -- -workers 24 -before 20s   # flags after -- go to hacheck
#
# Everything lives in a fresh temporary directory that is removed at the end
# (--keep keeps it); every process it starts is stopped on exit, whatever
# happens. It uses ports 25431-25433 (PostgreSQL) and 28101-28102 (Numan),
# below Linux's ephemeral range so that no outgoing connection holds one,
# and never touches the system PostgreSQL on 5432. See scripts/ha/README.md.
set -euo pipefail

KILL=postmaster
RUNS=1
FAST=0
KEEP=0
HACHECK_ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kill) KILL="$2"; shift 2 ;;
	--runs) RUNS="$2"; shift 2 ;;
	--fast) FAST=1; shift ;;
	--keep) KEEP=1; shift ;;
	--) shift; HACHECK_ARGS=("$@"); break ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$KILL" in postmaster|node) ;; *) echo "--kill is postmaster or node" >&2; exit 2 ;; esac

MON_PORT=${HA_MONITOR_PORT:-25431}
PG_PORTS=("${HA_PG_PORT1:-25432}" "${HA_PG_PORT2:-25433}")
NUMAN_PORTS=("${HA_NUMAN_PORT1:-28101}" "${HA_NUMAN_PORT2:-28102}")
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REPO=$(cd "$(dirname "$0")/../.." && pwd)

say() { printf '%s  == %s\n' "$(date +%T)" "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (pg_autoctl runs as the postgres user, set up through setpriv)"
id postgres >/dev/null 2>&1 || die "no postgres user: install postgresql-15"

# pg_auto_failover from Debian.
if ! dpkg -s postgresql-15-auto-failover >/dev/null 2>&1 || ! command -v pg_autoctl >/dev/null; then
	say "installing postgresql-15-auto-failover"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-auto-failover >/dev/null
fi
[ -x "$PGBIN/pg_ctl" ] || die "no $PGBIN/pg_ctl"

for p in "$MON_PORT" "${PG_PORTS[@]}" "${NUMAN_PORTS[@]}"; do
	if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use"; fi
done

T=""
PIDS=()   # process-group leaders started by this run (setsid), stopped at the end

cleanup() {
	local rc=$?
	set +e
	[ -n "$T" ] || return $rc
	say "cleaning up"
	# Numan nodes and pg_autoctl services: each was started as its own
	# process group, so a signal to the group reaches its children too.
	for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
	for _ in $(seq 1 100); do
		local alive=0
		for pid in "${PIDS[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.2
	done
	for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
	# A postmaster that outlived its keeper (killed with kill -9) is stopped
	# by the pid in its own postmaster.pid.
	for d in "$T"/monitor "$T"/node1 "$T"/node2; do
		if [ -f "$d/postmaster.pid" ]; then
			local pm
			pm=$(head -1 "$d/postmaster.pid")
			if [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null; then kill -KILL "$pm" 2>/dev/null; fi
		fi
	done
	sleep 0.5
	if [ "$KEEP" = 1 ]; then
		say "kept $T"
	else
		rm -rf "$T"
	fi
	PIDS=()
	T=""
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# as_pg runs a command as the postgres user with pg_autoctl's files in $T.
as_pg() {
	setpriv --reuid=postgres --regid=postgres --init-groups \
		env HOME="$T" XDG_CONFIG_HOME="$T/config" XDG_DATA_HOME="$T/share" XDG_RUNTIME_DIR="$T/run" \
		PATH="$PGBIN:/usr/bin:/bin" "$@"
}

# bg LOG CMD... starts CMD as its own process group, logging to LOG.
bg() {
	local log=$1; shift
	setsid "$@" >"$log" 2>&1 </dev/null &
	PIDS+=($!)
	disown $!
}

monitor_states() {
	psql -X -h 127.0.0.1 -p "$MON_PORT" -U postgres -d pg_auto_failover -Atc \
		"SELECT string_agg(nodename || '=' || reportedstate::text || '/' || goalstate::text, ' ' ORDER BY nodeid) FROM pgautofailover.node" 2>/dev/null || true
}

wait_states() { # wait_states SECONDS PATTERN...
	local secs=$1; shift
	local s
	for _ in $(seq 1 $((secs * 2))); do
		s=$(monitor_states)
		local ok=1
		for p in "$@"; do [[ " $s " == *" $p "* ]] || ok=0; done
		[ $ok = 1 ] && return 0
		sleep 0.5
	done
	die "timed out waiting for $* (monitor says: $s)"
}

one_run() {
	local n=$1
	T=$(mktemp -d /tmp/numan-ha.XXXXXX)
	chmod 755 "$T"
	chown postgres: "$T"
	say "run $n: cluster in $T (kill: $KILL, fast detection: $FAST)"

	# The monitor.
	as_pg pg_autoctl create monitor --pgdata "$T/monitor" --pgport "$MON_PORT" --hostname 127.0.0.1 \
		--auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" >"$T/monitor-create.log" 2>&1 || { cat "$T/monitor-create.log"; die "pg_autoctl create monitor"; }
	as_pg pg_autoctl config set --pgdata "$T/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null
	bg "$T/monitor.log" setpriv --reuid=postgres --regid=postgres --init-groups \
		env HOME="$T" XDG_CONFIG_HOME="$T/config" XDG_DATA_HOME="$T/share" XDG_RUNTIME_DIR="$T/run" PATH="$PGBIN:/usr/bin:/bin" \
		pg_autoctl run --pgdata "$T/monitor"
	for _ in $(seq 1 60); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$MON_PORT" && break; sleep 0.5; done
	"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$MON_PORT" || die "the monitor did not start (see $T/monitor.log)"
	if [ "$FAST" = 1 ]; then
		# Defaults: a node is failed over after 20s without health, and the
		# standby waits 30s more for the old primary to demote itself.
		psql -X -q -h 127.0.0.1 -p "$MON_PORT" -U postgres -d pg_auto_failover \
			-c "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" \
			-c "ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000" \
			-c "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" \
			-c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" \
			-c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000" \
			-c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 6000" \
			-c "SELECT pg_reload_conf()" >/dev/null
	fi

	# The data nodes: node1 first (it becomes the primary), then node2 (a
	# synchronous standby built with pg_basebackup).
	local mon="postgres://autoctl_node@127.0.0.1:$MON_PORT/pg_auto_failover?sslmode=disable"
	for i in 1 2; do
		bg "$T/node$i.log" setpriv --reuid=postgres --regid=postgres --init-groups \
			env HOME="$T" XDG_CONFIG_HOME="$T/config" XDG_DATA_HOME="$T/share" XDG_RUNTIME_DIR="$T/run" PATH="$PGBIN:/usr/bin:/bin" \
			pg_autoctl create postgres --pgdata "$T/node$i" --pgport "${PG_PORTS[$((i - 1))]}" --listen 127.0.0.1 \
			--hostname 127.0.0.1 --name "node$i" --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" \
			--monitor "$mon" --dbname numan --run
		if [ $i = 1 ]; then
			wait_states 180 node1=single/single
		else
			# pg_basebackup waits for a checkpoint on the primary: ask for one
			# rather than wait for checkpoint_timeout.
			for _ in $(seq 1 120); do
				[[ " $(monitor_states) " == *" node2=secondary/secondary "* ]] && break
				psql -X -q -h 127.0.0.1 -p "${PG_PORTS[0]}" -U postgres -d numan -c CHECKPOINT >/dev/null 2>&1 || true
				sleep 1
			done
			wait_states 180 node1=primary/primary node2=secondary/secondary
		fi
	done
	if [ "$FAST" = 1 ]; then
		# Keep primary_demote_timeout (6s) above the keepers' partition timeout.
		for i in 1 2; do
			as_pg pg_autoctl config set --pgdata "$T/node$i" timeout.network_partition_timeout 4 >/dev/null
			as_pg pg_autoctl reload --pgdata "$T/node$i" >/dev/null 2>&1 || true
		done
	fi
	say "cluster: $(monitor_states)"
	say "synchronous_standby_names on the primary: $(psql -X -h 127.0.0.1 -p "${PG_PORTS[0]}" -U postgres -d numan -Atc 'SHOW synchronous_standby_names')"

	# Numan: two nodes on the multi-host DSN.
	local dsn="postgres://postgres@127.0.0.1:${PG_PORTS[0]},127.0.0.1:${PG_PORTS[1]}/numan?target_session_attrs=read-write&sslmode=disable&connect_timeout=3"
	say "DSN: $dsn"
	(cd "$REPO" && go build -o "$T/numan" ./cmd/numan && go build -o "$T/hacheck" ./scripts/ha/hacheck) || die "go build"
	local key secret
	key=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	# Every node of a cluster seals and opens secrets with the same key.
	secret=$("$T/numan" secrets generate) || die "numan secrets generate"
	local nodes=""
	for i in 0 1; do
		local port=${NUMAN_PORTS[$i]}
		NUMAN_SECRET_KEY=$secret NUMAN_MASTER_API_KEY=$key bg "$T/numan$i.log" "$T/numan" serve --listen "127.0.0.1:$port" --db "$dsn" \
			--node "ha$i" --quiet-requests
		for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
		curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$T/numan$i.log"; die "numan node $i did not become ready"; }
		nodes+="${nodes:+,}http://127.0.0.1:$port"
	done
	say "numan nodes: $nodes"

	# The load, the kill, the check.
	local kill_args=()
	if [ "$KILL" = node ]; then
		# The whole primary node goes: its pg_autoctl keeper (the process
		# group started for it) and its postmaster, both with SIGKILL.
		local groups="" i
		for i in 1 2; do groups+=" $T/node$i=${PIDS[$i]}"; done
		kill_args=(-kill-cmd "for g in$groups; do [ \"\${g%%=*}\" = \"\$PRIMARY_PGDATA\" ] && kill -KILL -- -\${g#*=}; done; kill -KILL \$POSTMASTER_PID")
	fi
	local rc=0
	NUMAN_MASTER_API_KEY=$key NUMAN_DB=$dsn "$T/hacheck" -nodes "$nodes" "${kill_args[@]}" "${HACHECK_ARGS[@]}" | tee "$T/hacheck.out" || rc=$?
	say "cluster after the run: $(monitor_states)"
	for i in 0 1; do
		say "numan node $i: $(grep -c 'level=ERROR' "$T/numan$i.log" || true) error lines in its log; still ready: $(curl -fs "http://127.0.0.1:${NUMAN_PORTS[$i]}/readyz" >/dev/null && echo yes || echo NO)"
	done
	if [ -n "${HA_OUT:-}" ]; then
		{ echo "# run $n, kill $KILL, fast $FAST, $(date -u +%FT%TZ)"; cat "$T/hacheck.out"; echo; } >>"$HA_OUT"
	fi
	cleanup || true
	return $rc
}

failed=0
for n in $(seq 1 "$RUNS"); do
	one_run "$n" || failed=$((failed + 1))
done
[ $failed = 0 ] || die "$failed of $RUNS runs failed"
say "all $RUNS runs passed"
