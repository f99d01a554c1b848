"""Builders shared by the Argo objects: hardened `gmp` container templates and workflow defaults."""

from __future__ import annotations

from typing import Any

from hera.workflows import (
    ConfigMapEnvFrom,
    Container,
    EmptyDirVolume,
    Env,
    Parameter,
    Resources,
    RetryStrategy,
    SecretEnv,
)
from hera.workflows.models import (
    Backoff,
    Capabilities,
    ConfigMapKeySelector,
    Metadata,
    Mutex,
    PodGC,
    PodSecurityContext,
    SeccompProfile,
    SecurityContext,
    SemaphoreRef,
    Synchronization,
    TTLStrategy,
)
from hera.workflows.models.io.k8s.apimachinery.pkg.api.resource import Quantity
from hera.workflows.models.io.k8s.apimachinery.pkg.util.intstr import IntOrString

from gmp.guard import ALLOW_ENV
from workflows import names
from workflows.spec import retry_expression

GMP = "gmp"  # the images' entrypoint, and the console script a person runs locally
UID = 10001  # the images' numeric non-root user
TMP_MOUNT = "/tmp"  # noqa: S108 - the pod's only writable path: an emptyDir, not the host's /tmp

# A pod's activeDeadlineSeconds is the template's (workflow/controller/workflowpod.go
# `createWorkflowPod`) and its clock runs from the pod's start, image pull included: a short
# step still gets minutes, enough for a cold pull of the image on a fresh node.
SHORT_STEP_DEADLINE_S = 600
# Whole-workflow limits: a daily run takes minutes; a stuck one must not hold the semaphore.
DAILY_DEADLINE_S = 6 * 3600
BACKFILL_DEADLINE_S = 7 * 24 * 3600
TTL_AFTER_SUCCESS_S = 24 * 3600
TTL_AFTER_FAILURE_S = 7 * 24 * 3600


def backoff_waits(limit: int, backoff_s: int, factor: int) -> list[int]:
    """The waits before retry 1..limit, as the controller computes them.

    workflow/controller/operator.go `processNodeRetries`: wait = duration * factor^(attempts-1),
    capped; it waits only while attempts <= limit, and BEFORE it evaluates the retry expression,
    so an exit the expression refuses (2, 3, 5) still waits the first backoff, holding the
    template's semaphore and mutex (released only when the retry node is fulfilled, in
    `executeTemplate`). Hence small first backoffs.
    """
    return [backoff_s * factor**n for n in range(limit)]


def retry(limit: int, *, backoff_s: int, factor: int = 2) -> RetryStrategy:
    """`limit` retries after the first attempt, waiting `backoff_waits(...)` before each.

    The cap is the last wait: reached, never passed (a larger cap could never take effect).
    """
    return RetryStrategy(
        limit=limit,
        retry_policy="Always",
        # Retry pod errors and failures, except the exit codes a retry cannot fix.
        expression=retry_expression(names.NO_RETRY_EXIT_CODES),
        backoff=Backoff(
            duration=f"{backoff_s}s",
            factor=IntOrString(factor),
            cap=f"{backoff_waits(limit, backoff_s, factor)[-1]}s",
        ),
    )


def pod_security_context() -> PodSecurityContext:
    return PodSecurityContext(
        run_as_non_root=True,
        run_as_user=UID,
        run_as_group=UID,
        fs_group=UID,
        seccomp_profile=SeccompProfile(type="RuntimeDefault"),
    )


def container_security_context() -> SecurityContext:
    return SecurityContext(
        run_as_non_root=True,
        run_as_user=UID,
        allow_privilege_escalation=False,
        privileged=False,
        read_only_root_filesystem=True,
        capabilities=Capabilities(drop=["ALL"]),
    )


def workflow_defaults(deadline_s: int) -> dict[str, Any]:
    """Spec fields every WorkflowTemplate shares (keyword arguments for WorkflowTemplate)."""
    return {
        "service_account_name": names.SERVICE_ACCOUNT,
        "active_deadline_seconds": deadline_s,
        "pod_gc": PodGC(strategy="OnPodSuccess", delete_delay_duration="10m"),
        "ttl_strategy": TTLStrategy(
            seconds_after_success=TTL_AFTER_SUCCESS_S, seconds_after_failure=TTL_AFTER_FAILURE_S
        ),
        "security_context": pod_security_context(),
        "labels": {"app.kubernetes.io/part-of": names.PART_OF},
        # Pods carry the label too, so a NetworkPolicy can select them.
        "pod_metadata": Metadata(labels={"app.kubernetes.io/part-of": names.PART_OF}),
    }


def warehouse_mutex() -> Synchronization:
    return Synchronization(mutexes=[Mutex(name=names.WAREHOUSE_MUTEX)])


# One detail extract at a time per workflow: a backfill's days select their games after the days
# before them committed theirs (extractor/backlog.py). `workflow.name` is a global parameter
# (operator.go `setGlobalParameters`), substituted into lock names with the inputs; in a
# backfill it is the backfill's name, since its days run the daily DAG inside it (templateRef).
DETAILS_MUTEX = "game-market-pipeline-details-{{workflow.name}}"


def extract_locks(*mutexes: str) -> Synchronization:
    """The `rawg-extractors` semaphore plus a mutex per partition (endpoint, run_date), and any
    further `mutexes`.

    Two workflows (the cron run and a backfill or a manual submit of the same day) never extract
    one partition at once. Argo v3.6+ takes several locks per template and waits until it holds
    all of them (docs/synchronization.md "Multiple locks"); lock names are substituted from the
    inputs before acquiring (operator.go `executeTemplate`: ProcessArgs, then TryAcquire).
    """
    key = ConfigMapKeySelector(name=names.SYNC_CONFIG_MAP, key=names.EXTRACTOR_SEMAPHORE_KEY)
    partition = names.EXTRACT_MUTEX.format(
        endpoint="{{inputs.parameters.endpoint}}", run_date="{{inputs.parameters.run_date}}"
    )
    return Synchronization(
        semaphores=[SemaphoreRef(config_map_key_ref=key)],
        mutexes=[Mutex(name=name) for name in (partition, *mutexes)],
    )


def secret_env(keys: dict[str, bool]) -> list[SecretEnv]:
    """Each secret key becomes the env var of the same name; never a literal value."""
    return [
        SecretEnv(name=key, secret_name=names.SECRET, secret_key=key, optional=optional or None)
        for key, optional in keys.items()
    ]


def gmp_container(
    name: str,
    *,
    args: list[str],
    inputs: list[str],
    image: str = names.EXTRACTOR_IMAGE,
    secrets: dict[str, bool] | None = None,
    env: dict[str, str] | None = None,
    cpu: tuple[str, str] = ("100m", "1"),
    memory: tuple[str, str] = ("128Mi", "256Mi"),
    deadline_s: int = 300,
    retry_strategy: RetryStrategy | None = None,
    synchronization: Synchronization | None = None,
) -> Container:
    """A container template running `gmp ARGS` in a project image, locked down.

    Settings come from the ConfigMap (envFrom), secrets one key at a time (secretKeyRef);
    the root filesystem is read-only and /tmp is a per-pod emptyDir.
    """
    return Container(
        name=name,
        image=image,
        command=[GMP],
        args=args,
        inputs=[Parameter(name=i) for i in inputs],
        env=[
            *[Env(name=k, value=v) for k, v in (env or {}).items()],
            *secret_env(secrets or {}),
        ]
        or None,
        env_from=[ConfigMapEnvFrom(name=names.CONFIG_MAP)],
        resources=Resources(
            cpu_request=cpu[0], cpu_limit=cpu[1], memory_request=memory[0], memory_limit=memory[1]
        ),
        security_context=container_security_context(),
        volumes=[EmptyDirVolume(name="tmp", mount_path=TMP_MOUNT, size_limit=Quantity("1Gi"))],
        active_deadline_seconds=deadline_s,
        retry_strategy=retry_strategy,
        synchronization=synchronization,
    )


def guard_container(
    name: str, *, args: list[str], inputs: list[str], env: dict[str, str] | None = None
) -> Container:
    """A first step that runs the quota guard (`gmp validate`, `gmp dates`): it probes RAWG and
    reads the ledger, so it gets the extract secrets. The workflow parameter `allow_over_quota`
    (an input of its own, added last) reaches it as GMP_ALLOW_OVER_QUOTA: a flag cannot be
    switched on and off by a parameter in `args`."""
    return gmp_container(
        name,
        args=args,
        inputs=[*inputs, "allow_over_quota"],
        secrets=names.EXTRACT_SECRETS,
        env={**(env or {}), ALLOW_ENV: "{{inputs.parameters.allow_over_quota}}"},
        memory=("256Mi", "512Mi"),
        deadline_s=SHORT_STEP_DEADLINE_S,
        retry_strategy=retry(2, backoff_s=5),
    )


def extract_container(
    name: str, *, args: list[str], inputs: list[str], mutexes: tuple[str, ...] = ()
) -> Container:
    """`gmp extract ...` of one partition: RAWG's semaphore, the partition's mutex (and any
    further `mutexes`), retries."""
    return gmp_container(
        name,
        args=args,
        inputs=inputs,
        secrets=names.EXTRACT_SECRETS,
        cpu=("250m", "1"),
        memory=("256Mi", "512Mi"),
        deadline_s=3600,
        # The extractor retries each request itself; these retries cover a pod that died, and
        # exit 4 (still rate-limited after the extractor's own budget) a few minutes later.
        retry_strategy=retry(3, backoff_s=15, factor=4),
        synchronization=extract_locks(*mutexes),
    )


def transform_container(
    name: str, *, args: list[str], inputs: list[str], deadline_s: int
) -> Container:
    """`gmp transform ...` in the dbt image: one writer at a time on the dev warehouse."""
    return gmp_container(
        name,
        image=names.DBT_IMAGE,
        args=args,
        inputs=inputs,
        secrets=names.TRANSFORM_SECRETS,
        # dbt writes its target/ and logs/ next to the project by default: the root is read-only.
        env={"DBT_TARGET_PATH": f"{TMP_MOUNT}/dbt/target", "DBT_LOG_PATH": f"{TMP_MOUNT}/dbt/logs"},
        cpu=("500m", "2"),
        memory=("1Gi", "2Gi"),
        deadline_s=deadline_s,
        retry_strategy=retry(2, backoff_s=15, factor=4),
        synchronization=warehouse_mutex(),
    )


def outcome_container(
    detail_args: list[str],
    inputs: list[str] | None = None,
    secrets: dict[str, bool] | None = None,
) -> Container:
    """The onExit handler: one clear line (JSON in the pod log) with the workflow's outcome, and
    the failure alert POSTed to GMP_ALERT_WEBHOOK (an optional Secret key: unset, no alert).
    `secrets`: the keys it reads beyond the ConfigMap (the lake's, for the drift summary)."""
    return gmp_container(
        "exit-handler",
        args=[
            "outcome",
            "--workflow",
            "{{workflow.name}}",
            "--status",
            "{{workflow.status}}",
            "--failures",
            "{{workflow.failures}}",
            *detail_args,
        ],
        inputs=inputs or [],
        secrets={**names.OUTCOME_SECRETS, **(secrets or {})},
        deadline_s=SHORT_STEP_DEADLINE_S,
        retry_strategy=retry(2, backoff_s=5),
    )
