#!/usr/bin/env bash
# Starts the real test hosts the method tests connect to: two sshd ("hosts") on
# 127.0.0.2:2222 and 127.0.0.3:2222, test accounts with passwords and keys, sudoers and
# doas rules. Idempotent; needs root; reads no stdin. Loopback only (127.0.0.0/8).
#
#   test/hosts/up.sh          install what is missing, (re)write the config, start sshd
#   test/hosts/down.sh        stop the sshd (accounts and state stay; --purge removes them)
#
# Everything lives in $TENDRIL_HOSTS_DIR (default /var/lib/tendril-test-hosts):
#   client/id_ed25519         the key the tests use (authorized for every test account)
#   client/known_hosts        both hosts' keys, as [127.0.0.N]:2222 lines
#   127.0.0.N/                sshd_config, host key, pid file, log of each host
#   ready                     written last: the hosts are up
# test/hosts/hosts.ts describes the same thing for the tests.
set -euo pipefail
exec </dev/null

STATE=${TENDRIL_HOSTS_DIR:-/var/lib/tendril-test-hosts}
HOSTS=(127.0.0.2 127.0.0.3)
PORT=2222
# account:password:login shell. carol and the shell accounts test the first stage through
# every kind of login shell; dora is the runas user whose sudo rule has requiretty.
ACCOUNTS=(
  alice:alice-pw:/bin/bash
  bob:bob-pw:/bin/bash
  carol:carol-pw:/bin/sh
  dave:dave-pw:/bin/bash
  dora:dora-pw:/bin/bash
  zed:zed-pw:/usr/bin/zsh
  tess:tess-pw:/usr/bin/tcsh
  finn:finn-pw:/usr/bin/fish
  mia:mia-pw:/bin/mksh
  quiz:quiz-pw:/usr/local/lib/tendril-test-hosts/quiz-shell
)

say() { printf 'test hosts: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  say "must run as root"
  exit 2
fi

# One at a time (test files may call this concurrently).
mkdir -p "$STATE"
exec 9>"$STATE/.lock"
flock 9

# Fast path: this very script already brought the hosts up and both sshd still run.
stamp=$(sha1sum "$0" | cut -d' ' -f1)
running() { local pid; pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && grep -q sshd "/proc/$pid/cmdline" 2>/dev/null; }
if [ "$(cat "$STATE/ready" 2>/dev/null)" = "$stamp" ] && running "$STATE/127.0.0.2/sshd.pid" && running "$STATE/127.0.0.3/sshd.pid"; then
  exit 0
fi

# ---- packages ----
need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
command -v sshpass >/dev/null 2>&1 || need+=(sshpass)
command -v doas >/dev/null 2>&1 || need+=(opendoas)
command -v script >/dev/null 2>&1 || need+=(util-linux)
[ -x /usr/bin/zsh ] || need+=(zsh)
[ -x /usr/bin/tcsh ] || need+=(tcsh)
[ -x /usr/bin/fish ] || need+=(fish)
[ -x /bin/mksh ] || need+=(mksh)
# fakessh tests (test/fakessh) run real rsync through a context.
command -v rsync >/dev/null 2>&1 || need+=(rsync)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  # No distro service may start while installing (policy-rc.d exit 101).
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$STATE/client" /run/sshd /usr/local/lib/tendril-test-hosts
chmod 755 "$STATE"
chmod 700 "$STATE/client"

# A login shell that asks a question and waits: the "target asks something unexpected" case.
cat >/usr/local/lib/tendril-test-hosts/quiz-shell <<'EOF'
#!/bin/sh
printf 'Enter your project code: '
read -r answer
exit 1
EOF
chmod 755 /usr/local/lib/tendril-test-hosts/quiz-shell
grep -qx /usr/local/lib/tendril-test-hosts/quiz-shell /etc/shells || echo /usr/local/lib/tendril-test-hosts/quiz-shell >>/etc/shells

# ---- keys ----
[ -f "$STATE/client/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C tendril-tests -f "$STATE/client/id_ed25519"
pub=$(cat "$STATE/client/id_ed25519.pub")

# ---- accounts ----
for entry in "${ACCOUNTS[@]}"; do
  IFS=: read -r user password shell <<<"$entry"
  if ! id "$user" >/dev/null 2>&1; then
    useradd -m -s "$shell" "$user"
  elif [ "$(getent passwd "$user" | cut -d: -f7)" != "$shell" ]; then
    usermod -s "$shell" "$user"
  fi
  echo "$user:$password" | chpasswd
  home=$(getent passwd "$user" | cut -d: -f6)
  install -d -m 700 -o "$user" -g "$user" "$home/.ssh"
  # The tests' key, plus the account's own key (for hops that start from this account).
  [ -f "$home/.ssh/id_ed25519" ] || su -s /bin/sh -c "ssh-keygen -q -t ed25519 -N '' -C $user -f $home/.ssh/id_ed25519" "$user"
  echo "$pub" >"$home/.ssh/authorized_keys"
  chown "$user:$user" "$home/.ssh/authorized_keys"
  chmod 600 "$home/.ssh/authorized_keys"
done
# Second pass: the accounts' own keys of alice, bob and carol open every account (hops that
# start from them), except dave's: only the tests' key and his password open it.
for entry in "${ACCOUNTS[@]}"; do
  IFS=: read -r user _ _ <<<"$entry"
  home=$(getent passwd "$user" | cut -d: -f6)
  {
    echo "$pub"
    [ "$user" = dave ] || cat /home/alice/.ssh/id_ed25519.pub /home/bob/.ssh/id_ed25519.pub /home/carol/.ssh/id_ed25519.pub
  } >"$home/.ssh/authorized_keys"
done
# alice's rc file prints on stdout before any command runs (bash sources .bashrc for ssh
# commands): the bootstrap must drop it.
# (First line: Debian's .bashrc returns early for non-interactive shells.)
if ! grep -q 'tendril-test-banner' /home/alice/.bashrc 2>/dev/null; then
  { echo 'echo "welcome to alice on $(hostname) # tendril-test-banner"'; cat /home/alice/.bashrc 2>/dev/null; } >/home/alice/.bashrc.new
  mv /home/alice/.bashrc.new /home/alice/.bashrc
  chown alice:alice /home/alice/.bashrc
fi

# ---- sshd per host ----
known="$STATE/client/known_hosts"
: >"$known.new"
for host in "${HOSTS[@]}"; do
  dir="$STATE/$host"
  mkdir -p "$dir"
  [ -f "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$dir/ssh_host_ed25519_key"
  echo "Authorized use only: tendril test host $host" >"$dir/banner"
  cat >"$dir/sshd_config.new" <<EOF
ListenAddress $host
Port $PORT
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
PubkeyAuthentication yes
PermitRootLogin no
AuthorizedKeysFile .ssh/authorized_keys
MaxStartups 100:30:200
MaxSessions 100
MaxAuthTries 20
LoginGraceTime 30
ClientAliveInterval 0
PrintMotd no
Banner $dir/banner
Compression yes
Subsystem sftp internal-sftp
EOF
  echo "[$host]:$PORT $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$known.new"
  changed=
  cmp -s "$dir/sshd_config.new" "$dir/sshd_config" || changed=1
  mv "$dir/sshd_config.new" "$dir/sshd_config"
  /usr/sbin/sshd -t -f "$dir/sshd_config"
  if running "$dir/sshd.pid"; then
    # Running: re-read the config only if it changed (a reload closes the port for a moment).
    [ -n "$changed" ] && kill -HUP "$(cat "$dir/sshd.pid")"
  else
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
  fi
done
mv "$known.new" "$known"
chmod 644 "$known"
# Hops that start from a test account (bob -> carol@127.0.0.3) check host keys too.
for user in alice bob carol; do
  install -m 644 -o "$user" -g "$user" "$known" "/home/$user/.ssh/known_hosts"
done

# ---- sudo, doas ----
cat >/etc/sudoers.d/tendril-tests.new <<'EOF'
# tendril test hosts (test/hosts/up.sh)
Defaults:alice,carol,dave timestamp_timeout=0
Defaults>dora requiretty
alice ALL=(bob) ALL
alice ALL=(dora) ALL
carol ALL=(bob) NOPASSWD: ALL
dave ALL=(bob) ALL
dave ALL=(dora) ALL
# The CLI's plain -b (root) with -K answered on the PTY (test/cli/become-root.test.ts).
dave ALL=(root) ALL
EOF
chmod 440 /etc/sudoers.d/tendril-tests.new
visudo -cqf /etc/sudoers.d/tendril-tests.new
mv /etc/sudoers.d/tendril-tests.new /etc/sudoers.d/tendril-tests
grep -q '^@includedir /etc/sudoers.d' /etc/sudoers || grep -q '^#includedir /etc/sudoers.d' /etc/sudoers || echo '@includedir /etc/sudoers.d' >>/etc/sudoers

cat >/etc/doas.conf <<'EOF'
# tendril test hosts (test/hosts/up.sh)
permit nopass root
permit alice as bob
permit nopass carol as bob
EOF
chmod 600 /etc/doas.conf

# ---- file transfer faults (test/files): a full disk (1 MiB tmpfs) and a read-only one ----
mkdir -p "$STATE/files/full" "$STATE/files/ro"
mountpoint -q "$STATE/files/full" || mount -t tmpfs -o size=1m,mode=1777 tendril-full "$STATE/files/full"
if ! mountpoint -q "$STATE/files/ro"; then
  mount -t tmpfs -o size=64k,mode=1777 tendril-ro "$STATE/files/ro"
  mount -o remount,ro "$STATE/files/ro"
fi

# ---- wait until both hosts answer ----
for host in "${HOSTS[@]}"; do
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/$host/$PORT") 2>/dev/null; then break; fi
    sleep 0.025
  done
  (exec 3<>"/dev/tcp/$host/$PORT") 2>/dev/null || { say "sshd on $host:$PORT does not answer; log:"; tail -5 "$STATE/$host/sshd.log" >&2; exit 1; }
done
echo "$stamp" >"$STATE/ready"
say "up: sshd on ${HOSTS[*]} port $PORT, state in $STATE"
