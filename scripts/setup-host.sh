#!/usr/bin/env bash
# Prepare a fresh Debian bookworm machine (as root) for imagegate: engines, Packer, sshd,
# registry, base image, the moto AWS emulator, node modules. Idempotent: every step checks
# before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-host.sh: run as root (it installs Debian packages and starts dockerd)" >&2
    exit 2
  fi
}

install_packages() {
  # apache2-utils: htpasswd, for the test registry that requires a login. skopeo and openssl:
  # tools that are not imagegate find and verify the attestations it pushes (the evidence tests).
  local pkgs=(docker.io packer openssh-server openssh-client docker-registry debootstrap
              shellcheck git ca-certificates curl iproute2 procps chromium apache2-utils
              skopeo openssl)
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # No systemd here: Debian starts none of these services; start_dockerd and start_registry do,
  # and the tests start their own registries.
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return; fi
  log "starting dockerd"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 1
  done
  echo "setup-host.sh: dockerd did not answer within 60 s; see /var/log/dockerd.log" >&2
  exit 1
}

# The example's `dev` stage: a Distribution registry on loopback, like a team's internal one.
REGISTRY_ADDR=${IMAGEGATE_REGISTRY_ADDR:-127.0.0.1:5001}
start_registry() {
  if curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then return; fi
  log "starting docker-registry on $REGISTRY_ADDR"
  mkdir -p /var/lib/imagegate-registry
  cat >/etc/imagegate-registry.yml <<YAML
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: /var/lib/imagegate-registry }, delete: { enabled: true } }
http: { addr: "$REGISTRY_ADDR" }
YAML
  nohup docker-registry serve /etc/imagegate-registry.yml >/var/log/imagegate-registry.log 2>&1 &
  for _ in $(seq 1 30); do
    curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "setup-host.sh: docker-registry did not answer on $REGISTRY_ADDR; see /var/log/imagegate-registry.log" >&2
  exit 1
}

base_image() {
  if docker image inspect debian:bookworm >/dev/null 2>&1; then return; fi
  log "making debian:bookworm (pull, else debootstrap)"
  if timeout 60 docker pull debian:bookworm >/dev/null 2>&1; then return; fi
  local root
  root=$(mktemp -d /tmp/imagegate-rootfs.XXXXXX)
  # debootstrap's own default mirror, unless the user names one (IMAGEGATE_DEBIAN_MIRROR).
  debootstrap --variant=minbase bookworm "$root" ${IMAGEGATE_DEBIAN_MIRROR:+"$IMAGEGATE_DEBIAN_MIRROR"} \
    >/var/log/imagegate-debootstrap.log 2>&1
  tar -C "$root" -c . | docker import - debian:bookworm >/dev/null
  rm -rf "$root"
}

# The AWS emulator for the `aws` test project. Tests find it at IMAGEGATE_MOTO_ENDPOINT or this
# well-known address; nothing is exported, so a later shell or CI step finds the same default.
# Not under libfaketime (moto's way to age images): that makes every call ~10x slower; the tests
# age images in their own proxy instead.
MOTO_PORT=${IMAGEGATE_MOTO_PORT:-5000}
moto_answers() {
  curl -fsS -m 5 -X POST "http://127.0.0.1:$MOTO_PORT/" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0' \
    -d 'Action=GetCallerIdentity&Version=2011-06-15' 2>/dev/null | grep -q '<Account>'
}
start_moto() {
  if moto_answers; then return; fi
  # The repository is cloned next to shared/ on these machines; a user's fresh clone is not.
  local shared
  shared="$(cd .. && pwd)/shared/moto"
  if [ -x "$shared/up.sh" ]; then
    log "starting moto from $shared on port $MOTO_PORT"
    "$shared/up.sh" "$MOTO_PORT" >/dev/null
    return
  fi
  if ! command -v moto_server >/dev/null 2>&1; then
    log "installing moto from the Python registry (pip install 'moto[server]')"
    dpkg-query -W -f='${Status}' python3-pip 2>/dev/null | grep -q 'install ok installed' ||
      apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
    pip install --quiet --break-system-packages 'moto[server]' >/var/log/imagegate-moto-pip.log 2>&1 || {
      echo "setup-host.sh: pip install 'moto[server]' failed (see /var/log/imagegate-moto-pip.log); the aws tests need moto" >&2
      exit 1
    }
  fi
  log "starting moto_server on port $MOTO_PORT"
  nohup setsid moto_server -H 127.0.0.1 -p "$MOTO_PORT" >/var/log/imagegate-moto.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    moto_answers && return
    sleep 0.5
  done
  echo "setup-host.sh: moto_server did not answer on port $MOTO_PORT; see /var/log/imagegate-moto.log" >&2
  exit 1
}

node_modules() {
  if [ -f package-lock.json ]; then
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      log "npm ci"
      npm ci --no-audit --no-fund >/dev/null
    fi
  fi
}

need_root
install_packages
start_dockerd
start_registry
base_image
start_moto
node_modules
log "ready: docker $(docker version --format '{{.Server.Version}}'), $(packer version | head -1), moto on 127.0.0.1:$MOTO_PORT"
