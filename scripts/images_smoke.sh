#!/usr/bin/env bash
# Smoke-test both images with no registry: build them with podman on a Debian base made here
# (debootstrap + podman import, passed as PYTHON_IMAGE), then, as the pods run them (uid 10001,
# read-only root, /tmp the only writable path): `gmp --help` in both, and a real
# `gmp extract games` from the extractor image against the offline sandbox, checked from outside.
# Needs root, podman, runc and debootstrap (Debian: apt-get install podman runc debootstrap uidmap).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${GMP_SMOKE_DIR:-/tmp/gmp-image-smoke}
BASE=localhost/gmp-smoke-base:bookworm
TAG=${IMAGE_TAG:-0.1.0}
EXTRACTOR=game-market-pipeline/extractor:$TAG
DBT=game-market-pipeline/dbt:$TAG
DATE=2024-05-01
# The flags podman needs on these machines (no systemd, small default limits).
PODMAN=(podman --cgroup-manager cgroupfs)
LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
RUN=("${PODMAN[@]}" run --rm --runtime runc "${LIMITS[@]}" --network host
     --read-only --user 10001:10001 --tmpfs /tmp:rw,size=256m,mode=1777)

for tool in podman runc debootstrap; do
  command -v "$tool" > /dev/null || {
    echo "images-smoke: $tool not found (apt-get install podman runc debootstrap uidmap)" >&2; exit 2; }
done

if ! "${PODMAN[@]}" image exists "$BASE"; then
  echo "images-smoke: building the base $BASE with debootstrap (a few minutes, once)"
  rm -rf "$WORK/rootfs" && mkdir -p "$WORK"
  debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$WORK/rootfs" http://deb.debian.org/debian > "$WORK/debootstrap.log"
  # This machine reaches PyPI through its own CA bundle; the local base gets the same one.
  cp /etc/ssl/certs/ca-certificates.crt "$WORK/rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import - "$BASE" > /dev/null
fi

build() {  # image dockerfile
  echo "images-smoke: building $1"
  "${PODMAN[@]}" build --runtime runc "${LIMITS[@]}" --network host --layers \
    --build-arg PYTHON_IMAGE="$BASE" -f "$2" -t "$1" . > "$WORK/build-${1//[:\/]/_}.log" 2>&1 \
    || { tail -30 "$WORK/build-${1//[:\/]/_}.log" >&2; exit 1; }
}
build "$EXTRACTOR" images/extractor/Dockerfile
build "$DBT" images/dbt/Dockerfile

echo "images-smoke: gmp --help in both images (uid 10001, read-only root)"
"${RUN[@]}" "$EXTRACTOR" --help > /dev/null
"${RUN[@]}" "$DBT" --help > /dev/null
"${RUN[@]}" --entrypoint dbt "$DBT" --version | head -3
"${RUN[@]}" --entrypoint weed "$EXTRACTOR" version | head -1

echo "images-smoke: gmp extract games --run-date $DATE inside the extractor image, against the sandbox"
.venv/bin/gmp sandbox -- bash -c '
  set -euo pipefail
  env_args=()
  for v in RAWG_API_KEY RAWG_BASE_URL LAKE_BUCKET LAKE_PREFIX S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION; do
    env_args+=(-e "$v")   # by name: values stay out of the command line
  done
  "$@" "${env_args[@]}" '"$EXTRACTOR"' extract games --run-date '"$DATE"'
  .venv/bin/gmp status --run-date '"$DATE"' --endpoints games
' images-smoke "${RUN[@]}"
echo "images-smoke: OK"
