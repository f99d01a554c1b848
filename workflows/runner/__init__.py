"""The local runner behind `gmp run` and `gmp backfill`: the rendered Argo YAML, run as processes.

It is NOT a general Argo engine. It executes what this project renders, the way the Argo v4.0.10
controller would, and refuses anything else with a clear error: WorkflowTemplates whose templates
are `container`s running `gmp` or `dag`s; parameters (`arguments`, `inputs`, defaults),
`{{inputs.parameters.x}}`, `{{workflow.parameters.x}}`, `{{workflow.name|status|failures}}`,
`{{workflow.scheduledTime}}` (a CronWorkflow's workflowSpec, run by cron.run_cron), `{{item}}`,
`{{tasks.x.outputs.result}}`, sprig date expressions `{{=...}}` in the second substitution
pass (params.py); `withItems`/`withParam`; `templateRef`; `depends` (task
names joined by `&&`) and `dependencies`; `when` (govaluate: comparisons, `&&`, `||`, `!`);
`dag.failFast` and template `failFast` (refusing, failfast.py, the nested shape on which Argo
never finishes); template `parallelism`; `retryStrategy` (limit,
retryPolicy, backoff with factor/cap/maxDuration, an expr `expression` over `lastRetry.*`);
`activeDeadlineSeconds`; semaphores and mutexes, names parameterised (as local locks); `onExit`.
A container's `gmp` becomes the `gmp` next to this Python; its env is this process's env (what
the ConfigMap's `envFrom` gives a pod) minus every Secret key the manifests mention, plus its own
`env` (a `secretKeyRef` takes the local variable of the same name); an emptyDir mount becomes a
fresh local directory per attempt. Each module cites the controller source it imitates.
"""

from workflows.runner.engine import run_workflow
from workflows.runner.model import RunOptions, RunResult

__all__ = ["RunOptions", "RunResult", "run_workflow"]
