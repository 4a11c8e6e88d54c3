#!/usr/bin/env bash
# Writes the Redis ACL file docker/redis/redis.conf names, from the password
# file the STS reads (redis.password_file; one line, trailing newlines
# ignored, as the STS does):
#
#   make_users_acl.sh PASSWORD_FILE [KEY_PREFIX] > /etc/redis/users.acl
#
# The file holds the SHA-256 of the password, never the password. User "sts"
# may run only the commands the STS sends (PING, EVAL of its scripts and the
# hash commands they call, SET for the replay cache) on keys under
# KEY_PREFIX (redis.key_prefix, default "sts:"); the default user is off.
# tests/cluster/cluster_test.cc crashes a Redis run with this file and checks
# that a cancellation survives.
set -euo pipefail

die() { echo "make_users_acl.sh: $*" >&2; exit 2; }
password_file=${1:?usage: make_users_acl.sh PASSWORD_FILE [KEY_PREFIX]}
prefix=${2:-sts:}
[[ -r $password_file ]] || die "cannot read $password_file"
command -v sha256sum >/dev/null || die "sha256sum is missing (coreutils)"
password=$(cat "$password_file")
[[ -n $password ]] || die "$password_file is empty"
[[ $prefix =~ ^[A-Za-z0-9:_.-]+$ ]] || die "key prefix \"$prefix\" has characters an ACL pattern would read as special"
hash=$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)
unset password

# The default user is off with no password: no connection can act as it.
# It keeps every permission all the same: Redis 7.0 checks them when it
# replays transactions (the writes of the STS's scripts) from the append-only
# file at start, and with fewer it drops those writes, cancellations
# included, logging only "== CRITICAL == ... NOPERM".
echo "user default off resetpass ~* &* +@all"
echo "user sts on #$hash resetkeys ~${prefix}* resetchannels -@all +ping +eval +hgetall +hget +hset +hsetnx +hdel +pexpireat +set"
