#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1; start (or install) them if they do not.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

need_apt=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ] && ! { pg_up && redis_up; }; then
  echo "installing ${need_apt[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! pg_up; then
  echo "starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q "chainless-trust" "$hba"; then
    # Local test clusters only: trust loopback connections, as the CI machines do.
    printf '# chainless-trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' | cat - "$hba" > "$hba.new" && mv "$hba.new" "$hba"
    chown postgres:postgres "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
fi
for _ in $(seq 1 30); do pg_up && break; sleep 1; done
pg_up || { echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }

if ! redis_up; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/chainless.log
fi
for _ in $(seq 1 30); do redis_up && break; sleep 1; done
redis_up || { echo "Redis did not come up on 127.0.0.1:6379" >&2; exit 1; }
echo "PostgreSQL and Redis are up"
