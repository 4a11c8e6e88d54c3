# Shared by the consumer tests (tests/consumers/*/..._test.sh), sourced:
# a real sts_server with the development PKI, and the checks they make.
# The caller sets CHECKOUT (where sts/dev/make_pki.sh and
# tests/consumers/sts.textproto are), STS_SERVER (the binary) and WORK (a
# scratch directory it owns).

# What runs when the test exits, in order: `at_exit COMMAND` adds one.
exit_commands=()
at_exit() { exit_commands+=("$1"); }
run_exit_commands() {
  local c
  for c in "${exit_commands[@]}"; do eval "$c" || true; done
}
trap run_exit_commands EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# abi_version VERSION: the SONAME's version (docs/USING.md, "Versions"):
# MAJOR.MINOR before 1.0, MAJOR from then on.
abi_version() {
  local major=${1%%.*} rest=${1#*.}
  if ((major == 0)); then echo "$major.${rest%%.*}"; else echo "$major"; fi
}

# The CPU seconds this shell's finished children used (user + system), into
# children_cpu_seconds, as the machine is shared and wall time says little on
# its own. (`times` must run in this shell, not in a $(...) subshell.)
read_children_cpu() {
  times >"$WORK/.times"
  children_cpu_seconds=$(tail -n 1 "$WORK/.times" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/);
    printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}

step_started=0
# step NAME: prints the time the previous step took (wall, and CPU of the
# commands it ran), then NAME.
step() {
  local now=$SECONDS
  read_children_cpu
  if ((step_started)); then
    echo "   ($((now - step_started_at)) s, $((children_cpu_seconds - step_cpu)) s CPU)"
  fi
  step_started=1 step_started_at=$now step_cpu=$children_cpu_seconds
  echo "== $*"
}

# The PKI (WORK/pki) and an sts_server on a free port; STS_ADDRESS is set.
# The server is stopped when the test exits.
start_sts() {
  "$CHECKOUT/sts/dev/make_pki.sh" dev "$WORK/pki" || fail "make_pki.sh"
  rm -f "$WORK/sts.port"
  "$STS_SERVER" --config "$CHECKOUT/tests/consumers/sts.textproto" \
    --client_ca "$WORK/pki/ca.pem" --cert "$WORK/pki/server.pem" --key "$WORK/pki/server.key" \
    --port_file "$WORK/sts.port" --audit_log "$WORK/audit.log" >"$WORK/sts.log" 2>&1 &
  sts_pid=$!
  at_exit 'kill $sts_pid 2>/dev/null; wait $sts_pid 2>/dev/null'

  local i
  for ((i = 0; i < 300; i++)); do
    [[ -s $WORK/sts.port ]] && break
    kill -0 $sts_pid 2>/dev/null || { cat "$WORK/sts.log" >&2; fail "sts_server exited"; }
    sleep 0.1
  done
  [[ -s $WORK/sts.port ]] || fail "sts_server did not start within 30 s"
  STS_ADDRESS=127.0.0.1:$(cat "$WORK/sts.port")
}

# expect_output FILE TEXT: FILE (a program's output) holds TEXT.
expect_output() {
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "expected \"$2\" in the output above"; }
}

# run_example LOG PROGRAM ARGS...: runs an example program against the STS;
# it must exit 0 and end with its "NAME: OK" line.
run_example() {
  local log=$1 status=0; shift
  "$@" >"$log" 2>&1 || status=$?
  ((status == 0)) || { cat "$log" >&2; fail "$* exited with status $status"; }
  cat "$log"
  tail -n 1 "$log" | grep -qE '^[a-z_]+: OK$' || fail "$* did not end with its OK line"
}

# expect_failure LOG TEXT COMMAND...: COMMAND must fail, saying TEXT.
expect_failure() {
  local log=$1 text=$2; shift 2
  if "$@" >"$log" 2>&1; then cat "$log" >&2; fail "$* succeeded; it must refuse"; fi
  expect_output "$log" "$text"
  echo "   refused as it should: $text"
}
