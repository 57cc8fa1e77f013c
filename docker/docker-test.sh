#!/usr/bin/env bash
# shellcheck disable=SC2015  # "test && pass || fail" throughout: pass always succeeds
# Builds the paymock image and checks it for real: five providers, a scenario, the health check.
#
#   docker/docker-test.sh            build the image, run it, check it (make docker-test)
#   docker/docker-test.sh build      only build the image (make docker)
#
# The base, docker.io/library/debian:bookworm-slim, is pulled when the engine does not have
# it (PULL=1: pulled again even when it does).  OFFLINE=1 pulls nothing: the base is made
# here instead (debootstrap --variant=minbase from the mirror in this machine's apt
# configuration, trimmed like the official slim image, then imported) under a name of its
# own, localhost/paymock-base:bookworm-slim, never the official image's.
#
# Environment: IMAGE (default paymock:latest); ENGINE (docker or podman); PULL=1; OFFLINE=1;
# KEEP=1 keeps the test containers for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-test}
IMAGE=${IMAGE:-paymock:latest}
OFFICIAL_BASE=docker.io/library/debian:bookworm-slim
LOCAL_BASE=localhost/paymock-base:bookworm-slim
if [ "${OFFLINE:-0}" = 1 ]; then
	[ "${PULL:-0}" != 1 ] || { echo "docker-test: PULL=1 and OFFLINE=1 exclude each other" >&2; exit 2; }
	BASE=$LOCAL_BASE
else
	BASE=$OFFICIAL_BASE
fi
SUITE=bookworm
START=$(date +%s)
PASSED=0
FAILED=0
CONTAINERS=()
TMP=$(mktemp -d /tmp/paymock-docker-test.XXXXXX)
ROOTFS=			# the debootstrap tree, under /var/tmp (/tmp may be noexec)

say() { printf '%s\n' "docker-test: $*" >&2; }
die() { say "$*"; exit 1; }

cleanup()
{
	local c

	if [ "${KEEP:-0}" != 1 ]; then
		for c in "${CONTAINERS[@]}"; do
			"$ENGINE" rm -f "$c" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$TMP"
	[ -z "$ROOTFS" ] || as_root rm -rf "$ROOTFS"
}
trap cleanup EXIT

as_root()
{
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root for: $*"
	fi
}

apt_install()
{
	say "installing: $*"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The container engine: docker or podman, whichever works.
pick_engine()
{
	if [ -z "${ENGINE:-}" ]; then
		# a docker client with no engine behind it does not count
		if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
			ENGINE=docker
		elif command -v podman >/dev/null; then
			ENGINE=podman
		else
			die "no working docker or podman here (ENGINE=... to name one)"
		fi
	fi
	command -v "$ENGINE" >/dev/null || die "ENGINE=$ENGINE: no such command"
	# "docker" may be podman's docker-compatible wrapper
	if "$ENGINE" --version 2>/dev/null | grep -qi podman; then
		IS_PODMAN=1
	else
		IS_PODMAN=0
	fi
}

# Every "deb" entry of the apt configuration, one per line: URI SUITE COMPONENT...
# Reads sources.list, sources.list.d/*.list and deb822 sources.list.d/*.sources.
apt_entries()
{
	local f

	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
		    awk '$1 == "deb" { $1 = ""; sub(/^ +/, ""); print }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
		function flush(   i, j, nu, ns, u, s) {
			if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
				nu = split(uris, u, " "); ns = split(suites, s, " ")
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						print u[i], s[j], comps
			}
			types = uris = suites = comps = ""; enabled = "yes"
		}
		BEGIN { enabled = "yes" }
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }
		{
			key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
			if (key == "types") types = $0
			else if (key == "uris") uris = $0
			else if (key == "suites") suites = $0
			else if (key == "components") comps = $0
			else if (key == "enabled") enabled = $0
		}
		END { flush() }' "$f"
	done
}

# The sources the bootstrapped image gets: the host's bookworm, -updates and -security
# entries, or, on a host of another release, its Debian archive and security mirrors.
image_sources()
{
	local entries main security

	entries=$(apt_entries)
	main=$(awk -v s="$SUITE" '$2 == s { print $1; exit }' <<<"$entries")
	if [ -z "$main" ]; then
		main=$(awk '$2 !~ /-/ && $1 ~ /\/debian\/?$/ { print $1; exit }' <<<"$entries")
	fi
	[ -n "$main" ] || die "no Debian mirror found in the apt configuration"
	security=$(awk '$2 ~ /-security$/ { print $1; exit }' <<<"$entries")
	MIRROR=$main
	{
		echo "deb $main $SUITE main"
		if awk -v s="$SUITE-updates" '$2 == s { f = 1 } END { exit !f }' <<<"$entries"; then
			echo "deb $main $SUITE-updates main"
		fi
		[ -z "$security" ] || echo "deb $security $SUITE-security main"
	}
}

# The base made locally (OFFLINE=1), as the official slim image is made: a minbase
# debootstrap with documentation, manuals and translations left out.
bootstrap_base()
{
	local root

	command -v debootstrap >/dev/null || apt_install debootstrap
	ROOTFS=$(as_root mktemp -d /var/tmp/paymock-rootfs.XXXXXX)
	root=$ROOTFS/rootfs
	image_sources >"$TMP/sources.list"	# and sets MIRROR
	say "no $BASE here: debootstrap $SUITE from $MIRROR"
	as_root debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" \
	    >"$TMP/debootstrap.log" 2>&1 || {
		tail -20 "$TMP/debootstrap.log" >&2
		die "debootstrap failed"
	}
	as_root cp "$TMP/sources.list" "$root/etc/apt/sources.list"
	as_root tee "$root/etc/dpkg/dpkg.cfg.d/docker" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
EOF
	as_root tee "$root/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
	as_root tee "$root/etc/apt/apt.conf.d/docker-no-languages" >/dev/null <<<'Acquire::Languages "none";'
	as_root tee "$root/etc/apt/apt.conf.d/docker-autoremove-suggests" >/dev/null \
	    <<<'Apt::AutoRemove::SuggestsImportant "false";'
	as_root sh -c "cd '$root' &&
	    find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete &&
	    find usr/share/doc -mindepth 1 -type d -empty -delete &&
	    rm -rf usr/share/info/* usr/share/man/* usr/share/locale/* usr/share/groff/* \
	        usr/share/lintian/overrides/* var/cache/apt/*.bin var/cache/apt/archives/*.deb \
	        var/lib/apt/lists/* var/log/*.log var/log/apt/* etc/hostname &&
	    : > etc/resolv.conf"
	as_root tar -C "$root" --numeric-owner -c . |
	    "$ENGINE" import --change 'CMD ["bash"]' - "$BASE" >/dev/null
	as_root rm -rf "$ROOTFS"
	ROOTFS=
	say "made $BASE locally"
}

# The base in local storage before anything runs on it (pick_runtime's probe included).
ensure_base()
{
	if [ "${PULL:-0}" != 1 ] && "$ENGINE" image inspect "$BASE" >/dev/null 2>&1; then
		return
	fi
	if [ "${OFFLINE:-0}" = 1 ]; then
		bootstrap_base
	else
		say "$ENGINE pull $BASE"
		"$ENGINE" pull "$BASE" || die "cannot pull $BASE (OFFLINE=1 makes one here)"
	fi
}

# How containers must be run here. podman with crun can fail on this kernel's cgroups (runc
# then), and an engine that raises the containers' open-file and process limits beyond what
# it may (no CAP_SYS_RESOURCE, as in a sandbox) gets "error setting rlimit ... operation not
# permitted" (this shell's own limits then). RUN_OPTS go to both run and build.
pick_runtime()
{
	local limits=(--ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
	local try

	RUN_OPTS=()
	[ "$IS_PODMAN" = 1 ] || return 0
	for try in default limits runc runc+limits; do
		case $try in
		limits) RUN_OPTS=("${limits[@]}") ;;
		runc)
			command -v runc >/dev/null || apt_install runc
			RUN_OPTS=(--runtime runc)
			;;
		runc+limits) RUN_OPTS=(--runtime runc "${limits[@]}") ;;
		esac
		if "$ENGINE" run --rm --pull=never --network host "${RUN_OPTS[@]}" "$BASE" true \
		    >"$TMP/probe" 2>&1; then
			[ "$try" = default ] || say "running containers with: ${RUN_OPTS[*]}"
			return 0
		fi
	done
	cat "$TMP/probe" >&2
	die "cannot run a container, with crun or runc, with or without lower limits"
}

# The base is in local storage by now (ensure_base): the build pulls nothing.
build_image()
{
	local args=(build -f docker/Dockerfile -t "$IMAGE" --network host --build-arg "BASE=$BASE")

	if [ "$IS_PODMAN" = 1 ]; then
		# HEALTHCHECK is kept only in docker-format images
		args+=(--format docker "${RUN_OPTS[@]}" --pull=never)
	else
		args+=(--pull=false)
	fi
	say "$ENGINE ${args[*]} ."
	"$ENGINE" "${args[@]}" . || die "image build failed"
	# the build stage's image, left untagged by podman and docker's classic builder
	"$ENGINE" image prune -f --filter label=paymock.stage=build >/dev/null ||
	    say "could not remove the build stage's image"
}

pick_engine
ensure_base
pick_runtime
build_image
SIZE=$("$ENGINE" image inspect -f '{{.Size}}' "$IMAGE")
say "image $IMAGE: $((SIZE / 1000000)) MB ($SIZE bytes)"
[ "$MODE" = build ] && exit 0
[ "$MODE" = test ] || die "unknown mode '$MODE' (build or test)"

# --- the checks ---------------------------------------------------------------------------

command -v curl >/dev/null || apt_install curl

pass() { PASSED=$((PASSED + 1)); say "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL $*"; }

# check NAME EXPECTED-STATUS 'substring'... -- curl arguments
check()
{
	local name=$1 want=$2 got body pat
	shift 2
	local pats=()
	while [ "$1" != -- ]; do
		pats+=("$1")
		shift
	done
	shift
	got=$(curl -sS -o "$TMP/body" -w '%{http_code}' --max-time 10 "$@") || got=000
	body=$(cat "$TMP/body" 2>/dev/null || true)
	if [ "$got" != "$want" ]; then
		fail "$name: status $got, want $want: $body"
		return
	fi
	for pat in "${pats[@]}"; do
		if [[ "$body" != *"$pat"* ]]; then
			fail "$name: no '$pat' in $body"
			return
		fi
	done
	pass "$name ($got)"
}

# A port nothing listens on, for a container on the host network.
free_port()
{
	local p

	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port"
}

# start NAME PORT [run options] -- [paymock flags]: a detached container; waits for its line.
start()
{
	local name=$1 port=$2 opts=()
	shift 2
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	"$ENGINE" rm -f "$name" >/dev/null 2>&1 || true
	# (stderr kept apart: podman without systemd logs errors about healthcheck timers)
	"$ENGINE" run -d --pull=never --network host "${RUN_OPTS[@]}" --name "$name" \
	    "${opts[@]}" "$IMAGE" --port "$port" "$@" >/dev/null 2>"$TMP/run.err" || {
		cat "$TMP/run.err" >&2
		die "cannot start $name"
	}
	CONTAINERS+=("$name")
	for _ in $(seq 100); do
		if "$ENGINE" logs "$name" 2>/dev/null | grep -q "^paymock listening on http://0.0.0.0:$port\$"; then
			return 0
		fi
		sleep 0.1
	done
	"$ENGINE" logs "$name" >&2 || true
	die "$name did not start"
}

PORT=$(free_port)
B=http://127.0.0.1:$PORT
NAME=paymock-test-$$
J=(-H "X-Paymock-Session: docker-test" -H 'Content-Type: application/json')
start "$NAME" "$PORT" --
say "container $NAME on port $PORT"

check "health" 200 '"status":"ok"' -- "$B/__admin/health"

check "smartretry refund" 200 '"accepted":true' '"order_id":"OR7B9E1D"' -- "${J[@]}" \
    -H 'x-api-key: YOUR_API_KEY' -H 'Idempotency-Key: refund-20260331-001' \
    -d '{"transaction_reference_id":"TX8A3F2C","order_reference_id":"OR7B9E1D",
         "merchant_transaction_id":"refund-20260331-001","amount":25.00}' \
    "$B/smartretry/v1/payments/refund/ABC123"

check "smartpay refund" 200 '"status":"REFUND_PENDING"' '"amount":25.00' -- "${J[@]}" \
    -d '{"merchantKey":"31928de9-1344-469f-b0eb-8e5d0fef3d21",
         "transactionId":"933a0fab-80a0-42c5-b010-c71174f4ab32",
         "modificationId":"f7c55bb3-0002-4363-9a33-56af8d5e691e",
         "modifiedAmount":{"description":"SMP-Transaction-01","amount":25,"currencyCode":"EUR"}}' \
    "$B/smartpay/payment/refund"

check "utgl refund" 200 '"status":"captured"' '"amount":1.00' '"refundTransactionId":' -- \
    "${J[@]}" -u partner:secret \
    -d '{"transactionId":"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93","amount":1.00,"currency":"USD",
         "reason":"Customer requested","description":"Partial refund for item X"}' \
    "$B/utgl/v1/partner-connect/transactions/refund"

check "accelebit refund" 201 '"status":"created"' '"amount":"55.00"' -- "${J[@]}" \
    -H 'X-API-Key: smtgw_sk_test_your_secret_key' -H 'Idempotency-Key: refund_abc123' \
    -d '{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"55.00",
         "currency":"EUR","reason":"Customer requested refund"}' \
    "$B/accelebit/v1/refunds"

check "payengine refund" 200 '"status":"PASS"' '"transactionAmount":"10.00"' -- "${J[@]}" \
    -H 'Authorization: Basic sk_test_secret' \
    -d '{"id":"9a0df7ef-b77f-4525-97e1-f41a98ad7f75","amount":10,"reason":"Discount issued",
         "internalTransactionID":"121212"}' \
    "$B/payengine/api/payment/refund"

check "journal counts five refunds" 200 '"count":5' -- "${J[@]}" \
    -d '{"match":{"operation":"refund.create"}}' "$B/__admin/journal/count"

check "admin lists five refunds" 200 '"provider":"payengine"' -- "${J[@]}" "$B/__admin/refunds"
n=$(grep -o '"transaction_id"' "$TMP/body" | wc -l)
[ "$n" = 5 ] && pass "five refunds in /__admin/refunds" || fail "$n refunds in /__admin/refunds"

# A baked-in scenario, in a session of its own: PayEngine declines in the reply.
S=(-H "X-Paymock-Session: docker-test-declines" -H 'Content-Type: application/json')
check "scenario declines loads from /etc/paymock/scenarios" 201 '"name":"declines"' -- \
    -X POST -H "X-Paymock-Session: docker-test-declines" "$B/__admin/scenarios/declines"
check "payengine refund declined by the scenario" 200 '"status":"FAIL"' -- "${S[@]}" \
    -H 'Authorization: Basic sk_test_secret' \
    -d '{"id":"9a0df7ef-b77f-4525-97e1-f41a98ad7f75","amount":10,"reason":"Discount issued"}' \
    "$B/payengine/api/payment/refund"
check "the other session saw none of it" 200 '"count":1' -- "${S[@]}" \
    -d '{"match":{"provider":"payengine"}}' "$B/__admin/journal/count"
check "unknown scenario is a 404" 404 '"error"' -- \
    -X POST -H "X-Paymock-Session: docker-test-declines" "$B/__admin/scenarios/no-such"

# The client of docker/compose.yaml, its script run here against this container (the
# compose file itself wants a registry for its curl image and a bridge network).
awk 'f { sub(/^        /, ""); gsub(/\$\$/, "$"); print } /^      - \|$/ { f = 1 }' \
    docker/compose.yaml >"$TMP/client.sh"
if PAYMOCK_URL=$B SESSION=docker-test-compose sh -e "$TMP/client.sh" >"$TMP/client.out" 2>&1; then
	pass "compose client script: $(tail -1 "$TMP/client.out")"
else
	fail "compose client script: $(cat "$TMP/client.out")"
fi
if python3 -c 'import yaml' 2>/dev/null; then
	if python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1]));
assert set(d["services"]) == {"paymock", "client"}' docker/compose.yaml; then
		pass "compose.yaml parses, two services"
	else
		fail "compose.yaml does not parse"
	fi
fi

# The image's HEALTHCHECK, run by the engine, and its probe failing when nothing answers.
if [ "$IS_PODMAN" = 1 ]; then
	if "$ENGINE" healthcheck run "$NAME" >"$TMP/hc" 2>&1; then
		pass "podman healthcheck run: healthy"
	else
		fail "podman healthcheck run: $(cat "$TMP/hc")"
	fi
else
	status=
	for _ in $(seq 60); do
		status=$("$ENGINE" inspect -f '{{.State.Health.Status}}' "$NAME")
		[ "$status" = starting ] || break
		sleep 1
	done
	[ "$status" = healthy ] && pass "docker health: healthy" || fail "docker health: $status"
fi
# (docker keeps it in .Config.Healthcheck, podman in .Healthcheck)
hc=$("$ENGINE" image inspect -f '{{json .}}' "$IMAGE" | tr -d ' \n' |
    grep -o '"Healthcheck":{"Test":[^]]*]' || true)
[[ "$hc" == *paymock-healthcheck* ]] && pass "image has a HEALTHCHECK" || fail "no HEALTHCHECK: $hc"
if "$ENGINE" exec -e PAYMOCK_HEALTH_PORT=1 "$NAME" paymock-healthcheck >/dev/null 2>&1; then
	fail "health probe passes with nothing listening"
else
	pass "health probe fails with nothing listening"
fi

uid=$("$ENGINE" exec "$NAME" id -u)
[ "$uid" != 0 ] && pass "runs as uid $uid, not root" || fail "runs as root"

# Fixtures and scenarios overridden by mounting a directory.
mkdir -p "$TMP/scenarios"
printf '%s\n' '{"name":"mine","description":"mounted","rules":[{"match":{"provider":"accelebit"},
  "action":{"type":"respond","status":503,"error":"provider_unavailable"}}]}' \
    >"$TMP/scenarios/mine.json"
chmod 755 "$TMP" "$TMP/scenarios"
chmod 644 "$TMP/scenarios/mine.json"
PORT2=$(free_port)
start "$NAME-mount" "$PORT2" -v "$TMP/scenarios:/etc/paymock/scenarios:ro" -- --quiet
check "mounted scenario dir replaces the baked one" 201 '"name":"mine"' -- \
    -X POST "http://127.0.0.1:$PORT2/__admin/scenarios/mine"
check "mounted scenario fires" 503 'UpstreamUnavailableError' -- -H 'Content-Type: application/json' \
    -H 'X-API-Key: smtgw_sk_test_your_secret_key' -H 'Idempotency-Key: k1' \
    -d '{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"1.00","currency":"EUR"}' \
    "http://127.0.0.1:$PORT2/accelebit/v1/refunds"
check "baked scenarios are hidden by the mount" 404 '"error"' -- \
    -X POST "http://127.0.0.1:$PORT2/__admin/scenarios/declines"

# The admin token from the environment: admin calls need it, health and providers do not.
PORT3=$(free_port)
T=docker-test-admin-token
start "$NAME-token" "$PORT3" -e PAYMOCK_ADMIN_TOKEN=$T -- --quiet
check "admin call without the token is a 401" 401 '"unauthorized"' -- \
    "http://127.0.0.1:$PORT3/__admin/sessions"
check "admin call with the token" 200 '"sessions"' -- -H "Authorization: Bearer $T" \
    "http://127.0.0.1:$PORT3/__admin/sessions"
check "health needs no token" 200 '"status":"ok"' -- "http://127.0.0.1:$PORT3/__admin/health"
if "$ENGINE" exec "$NAME-token" paymock-healthcheck >/dev/null 2>&1; then
	pass "health probe passes with a token set"
else
	fail "health probe fails with a token set"
fi
"$ENGINE" logs "$NAME" 2>&1 | grep -q "warning: listening on 0.0.0.0 with no admin token" &&
    pass "warns without a token" || fail "no warning without a token"
"$ENGINE" logs "$NAME-token" 2>&1 | grep -q "warning" &&
    fail "warns although a token is set" || pass "no warning with a token"

# Flags appended to the entrypoint; a bad one exits 2.
rc=0
"$ENGINE" run --rm --pull=never --network host "${RUN_OPTS[@]}" "$IMAGE" --no-such-flag \
    >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && pass "bad flag exits 2" || fail "bad flag exits $rc"
v=$("$ENGINE" run --rm --pull=never --network host "${RUN_OPTS[@]}" "$IMAGE" --version \
    2>/dev/null || true)
[[ "$v" == "paymock "* ]] && pass "--version: $v" || fail "--version: $v"

# SIGTERM: a clean exit 0.
"$ENGINE" stop -t 10 "$NAME" >/dev/null 2>"$TMP/stop" || cat "$TMP/stop" >&2
code=$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] && pass "stops on SIGTERM with exit 0" || fail "exit $code after SIGTERM"

say "image $IMAGE: $((SIZE / 1000000)) MB; $(($(date +%s) - START)) s"
echo "docker-test: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
