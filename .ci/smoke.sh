#!/usr/bin/env bash
# The README's first command, for real: clone the repository into a temporary directory, run `make run`
# there in the background with a temporary data directory, wait for /healthz to answer 200, check the sign-in
# page and that the printed credentials sign in, then stop the whole process group and clean up.
#
#   PARLONS_PORT / PORT   port to serve on (default: a free port)
#   SMOKE_TIMEOUT         seconds to wait for /healthz, install included (default 240)
#   SMOKE_COPY=1          copy the working tree (tracked and untracked, not ignored) instead of `git clone`,
#                         to try uncommitted changes
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
LOG="$WORK/make-run.log"
TIMEOUT=${SMOKE_TIMEOUT:-240}
PORT=${PARLONS_PORT:-${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}}
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""
STATUS=1

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 20); do
        kill -0 -- "-$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

finish() {
    trap '' PIPE  # a closed output pipe must not stop the clean-up
    stop_server
    if [ "$STATUS" -ne 0 ] && [ -f "$LOG" ]; then
        echo "---- output of make run ----" >&2
        cat "$LOG" >&2
        echo "----------------------------" >&2
    fi
    rm -rf "$WORK"
}
trap finish EXIT
trap 'exit 130' INT TERM

fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }

if [ "${SMOKE_COPY:-0}" = 1 ]; then
    echo "copying the working tree of $SRC into $WORK/parlons"
    mkdir -p "$WORK/parlons"
    (cd "$SRC" && git ls-files -z --cached --others --exclude-standard \
        | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$WORK/parlons"
else
    echo "cloning $SRC into $WORK/parlons"
    git clone --quiet "$SRC" "$WORK/parlons"
fi

echo "make run on port $PORT (waiting up to ${TIMEOUT}s for $BASE/healthz)"
(
    cd "$WORK/parlons"
    # A session of its own (its id is this pid) so that the server stops with all its children.
    exec setsid env PARLONS_DATA_DIR="$WORK/data" PARLONS_PORT="$PORT" make run
) >"$LOG" 2>&1 </dev/null &
SERVER_PID=$!

start=$SECONDS
until curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || fail "make run exited before serving"
    [ $((SECONDS - start)) -lt "$TIMEOUT" ] || fail "$BASE/healthz did not answer 200 within ${TIMEOUT}s"
    sleep 2
done
echo "healthz 200 after $((SECONDS - start))s: $(curl -fsS "$BASE/healthz")"

code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/accounts/login/")
[ "$code" = 200 ] || fail "/accounts/login/ answered $code"
echo "sign-in page 200"

grep -q "Sign in at $BASE/accounts/login/" "$LOG" || fail "no sign-in instructions printed"
password=$(sed -n 's/^ *password: //p' "$LOG" | head -n1)
username=$(sed -n 's/^ *username: //p' "$LOG" | head -n1)
[ -n "$username" ] || username=$(sed -n 's/^ *users: *//p' "$LOG" | head -n1 | cut -d, -f1)
[ -n "$username" ] && [ -n "$password" ] || fail "no user name and password printed"

# Sign in with the printed credentials, as a browser would: CSRF cookie, then the form.
jar="$WORK/cookies"
curl -fsS -c "$jar" -b "$jar" -o /dev/null "$BASE/accounts/login/"
csrf=$(awk '$6 == "csrftoken" { print $7 }' "$jar")
[ -n "$csrf" ] || fail "no CSRF cookie on the sign-in page"
location=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
    -H "Referer: $BASE/accounts/login/" --data-urlencode "csrfmiddlewaretoken=$csrf" \
    --data-urlencode "username=$username" --data-urlencode "password=$password" "$BASE/accounts/login/")
[ "${location%% *}" = 302 ] || fail "signing in as $username did not redirect (got: $location)"
code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$BASE/")
[ "$code" = 200 ] || fail "the home page answered $code after signing in as $username"
echo "signed in as $username with the printed password"

STATUS=0
echo "SMOKE PASSED"
