#!/bin/sh
# Builds /opt/gmp for one image (images/Dockerfile's build stages): a venv with gmp and one role's
# extra (pyproject.toml), checked to start, slimmed of what only installing needs, then compiled
# (the images run with a read-only root and PYTHONDONTWRITEBYTECODE). Usage: build-venv.sh EXTRA
set -eu
extra=$1
venv=/opt/gmp

python -m venv "$venv"
# A regular (not editable) install: the final stage needs no source tree.
"$venv/bin/pip" install --no-compile ".[$extra]"
"$venv/bin/gmp" --help > /dev/null

# pip and setuptools only install; nothing in an image installs at run time. Nor does it
# activate the venv (PATH has its bin/) or run the libraries' own test suites.
"$venv/bin/python" -m pip uninstall --yes --quiet pip setuptools
rm -f "$venv"/bin/activate* "$venv"/bin/Activate.ps1 "$venv"/bin/pip*
find "$venv/lib" -depth -type d \( -name tests -o -name test \) \
  -exec sh -c 'ls "$1"/test_*.py > /dev/null 2>&1' sh {} \; -exec rm -rf {} +

# botocore carries the models of some 450 AWS services (about 25 MB); the images call S3 only,
# and STS for web-identity (IRSA) credentials. Fewer models also start each client sooner:
# botocore lists every service directory when it loads one.
for data in "$venv"/lib/python3*/site-packages/botocore/data; do
  if [ -d "$data" ]; then
    find "$data" -mindepth 1 -maxdepth 1 -type d ! -name s3 ! -name sts -exec rm -rf {} +
  fi
done

"$venv/bin/python" -m compileall -q -j 0 "$venv/lib"
