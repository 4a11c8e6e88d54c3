# Sourced by bench_suite.sh and profile_server.sh: sts_server's benchmark
# configuration, printed as a textproto.
#   sts_bench_config PKI_DIR AUDIT_LOG CLIENT AUDIENCE [QUEUES] [EXTRA] [TOKENS_EXTRA]
# The STS under load accumulates contexts (Issue) and proofs (Renew): quotas
# are raised far above what one point creates, and the audit log goes to a
# file, as in production, never to a terminal. QUEUES 0 (the default) leaves
# server.completion_queues at its default. EXTRA is appended: further
# top-level fields (not listen_address, tls, audit, tokens, policy, server).
# TOKENS_EXTRA goes inside tokens { }. CLIENT may issue for AUDIENCE, which
# validates with the keys released to it.
sts_bench_config() {
  local pki=$1 audit=$2 client=$3 audience=$4 queue_count=${5:-0} extra=${6:-}
  local tokens_extra=${7:-}
  cat <<EOF
listen_address: "127.0.0.1:0"
tls { client_ca_file: "$pki/ca.pem" cert_file: "$pki/server.pem" key_file: "$pki/server.key" }
audit { path: "$audit" }
tokens {
  max_tokens_per_principal: 100000000
  max_tokens_total: 100000000
  replay_cache_entries: 20000000
  # One principal drives the whole load: its share and rate limit are lifted.
  replay_entries_per_principal: 20000000
  proof_rate_per_principal: 1000000
  proof_burst_per_principal: 1000000
  $tokens_extra
}
policy {
  issue { principal: "$client" applies_to: "$audience" }
  validate { principal: "$audience" release_keys_to_audience: true }
}
EOF
  if ((queue_count > 0)); then echo "server { completion_queues: $queue_count }"; fi
  if [[ -n $extra ]]; then echo "$extra"; fi
}
