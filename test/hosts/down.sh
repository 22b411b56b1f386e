#!/usr/bin/env bash
# Stops the test hosts started by test/hosts/up.sh. Idempotent; needs root; reads no stdin.
#   test/hosts/down.sh           stop both sshd (accounts, keys and rules stay, for a fast up.sh)
#   test/hosts/down.sh --purge   also remove the accounts, sudoers/doas rules and the state dir
set -euo pipefail
exec </dev/null

STATE=${TENDRIL_HOSTS_DIR:-/var/lib/tendril-test-hosts}
say() { printf 'test hosts: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 2; }

rm -f "$STATE/ready"
for pidfile in "$STATE"/*/sshd.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && grep -q sshd "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do grep -q sshd "/proc/$pid/cmdline" 2>/dev/null || break; sleep 0.02; done
  fi
  rm -f "$pidfile"
done
say "sshd stopped"

if [ "${1:-}" = --purge ]; then
  for user in alice bob carol dave dora zed tess finn mia quiz; do
    if id "$user" >/dev/null 2>&1; then
      userdel -f -r "$user" 2>/dev/null || true
    fi
  done
  rm -f /etc/sudoers.d/tendril-tests
  if grep -q 'tendril test hosts' /etc/doas.conf 2>/dev/null; then rm -f /etc/doas.conf; fi
  rm -rf "$STATE" /usr/local/lib/tendril-test-hosts
  sed -i '\#/usr/local/lib/tendril-test-hosts/quiz-shell#d' /etc/shells
  say "accounts, rules and state removed"
fi
