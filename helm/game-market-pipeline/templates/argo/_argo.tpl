{{/*
Per-environment patches of the Argo objects `gmp render` wrote under files/.
Argo expressions use {{ }} too, so the objects cannot be Helm templates: they are read with
.Files.Get | fromYaml, changed here field by field, and written back with toYaml. With default
values nothing but metadata.namespace changes (tests/helm checks it).
*/}}

{{/*
Render one Argo object. Call with (dict "root" $ "doc" <map> "path" <file> "seen" <dict>);
"seen" collects the template names that exist, to refuse unknown keys in workflows.resources.
*/}}
{{- define "gmp.argo.object" -}}
{{- $root := .root -}}
{{- $doc := .doc -}}
{{- if not (and (kindIs "map" $doc) (hasKey $doc "kind") (hasKey $doc "metadata")) -}}
{{- fail (printf "%s does not hold one Kubernetes object (run `gmp render`)" .path) -}}
{{- end -}}
{{- if hasKey $doc "Error" -}}
{{- fail (printf "%s is not valid YAML: %s" .path $doc.Error) -}}
{{- end -}}
{{- $_ := set $doc.metadata "namespace" (include "gmp.namespace" $root) -}}
{{- if eq $doc.kind "CronWorkflow" -}}
{{- include "gmp.argo.cron" (dict "root" $root "spec" $doc.spec) -}}
{{- if hasKey $doc.spec "workflowSpec" -}}
{{- include "gmp.argo.spec" (dict "root" $root "spec" $doc.spec.workflowSpec "name" $doc.metadata.name "seen" .seen) -}}
{{- end -}}
{{- else if or (eq $doc.kind "WorkflowTemplate") (eq $doc.kind "Workflow") -}}
{{- include "gmp.argo.spec" (dict "root" $root "spec" $doc.spec "name" $doc.metadata.name "seen" .seen) -}}
{{- end -}}
{{ toYaml $doc }}
{{- end -}}

{{/* CronWorkflow fields set per environment: schedules, timezone, suspend. */}}
{{- define "gmp.argo.cron" -}}
{{- $cron := .root.Values.workflows.cron -}}
{{- with $cron.schedules }}{{ $_ := set $.spec "schedules" . }}{{ end -}}
{{- with $cron.timezone }}{{ $_ := set $.spec "timezone" . }}{{ end -}}
{{- if or $cron.suspend (hasKey .spec "suspend") }}{{ $_ := set .spec "suspend" $cron.suspend }}{{ end -}}
{{- end -}}

{{/* A workflow spec: pod-wide settings, parameters, parallelism, then each template. */}}
{{- define "gmp.argo.spec" -}}
{{- $root := .root -}}
{{- $spec := .spec -}}
{{- $values := $root.Values.workflows -}}
{{- with $root.Values.image.pullSecrets -}}
{{- $secrets := list -}}
{{- range . }}{{ $secrets = append $secrets (dict "name" .) }}{{ end -}}
{{- $_ := set $spec "imagePullSecrets" $secrets -}}
{{- end -}}
{{- with $values.podAnnotations -}}
{{- $meta := default (dict) $spec.podMetadata -}}
{{- $_ := set $meta "annotations" (merge (deepCopy .) (default (dict) $meta.annotations)) -}}
{{- $_ := set $spec "podMetadata" $meta -}}
{{- end -}}
{{- with $values.daily.endpoints -}}
{{- $json := toJson . -}}
{{- with $spec.arguments }}{{ include "gmp.argo.endpoints" (dict "params" .parameters "key" "value" "json" $json) }}{{ end -}}
{{- range $spec.templates -}}
{{- with .inputs }}{{ include "gmp.argo.endpoints" (dict "params" .parameters "key" "default" "json" $json) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if and $values.backfill.parallelism (eq .name "game-market-backfill") -}}
{{- $found := false -}}
{{- if hasKey $spec "parallelism" }}{{ $_ := set $spec "parallelism" (int $values.backfill.parallelism) }}{{ $found = true }}{{ end -}}
{{- range $spec.templates -}}
{{- if hasKey . "parallelism" }}{{ $_ := set . "parallelism" (int $values.backfill.parallelism) }}{{ $found = true }}{{ end -}}
{{- end -}}
{{- if not $found }}{{ fail "workflows.backfill.parallelism: the backfill template has no `parallelism` to set" }}{{ end -}}
{{- end -}}
{{- range $spec.templates -}}
{{- $_ := set $.seen .name true -}}
{{- include "gmp.argo.template" (dict "root" $root "template" .) -}}
{{- end -}}
{{- end -}}

{{/* Set the value (or default) of every parameter named `endpoints` that carries one. */}}
{{- define "gmp.argo.endpoints" -}}
{{- range .params -}}
{{- if and (eq .name "endpoints") (hasKey . $.key) }}{{ $_ := set . $.key $.json }}{{ end -}}
{{- end -}}
{{- end -}}

{{/* One Argo template: project images, secret references, resources, the dev warehouse volume. */}}
{{- define "gmp.argo.template" -}}
{{- $root := .root -}}
{{- $t := .template -}}
{{- $repos := include "gmp.renderedRepositories" $root | fromYaml -}}
{{- range $kind := list "container" "script" -}}
{{- $c := index $t $kind -}}
{{- if $c -}}
{{- $component := "" -}}
{{- if $c.image -}}
{{- $repo := regexReplaceAll "(:[^:/@]+)?(@.+)?$" $c.image "" -}}
{{- $component = index $repos $repo | default "" -}}
{{- end -}}
{{- if $component -}}
{{- $_ := set $c "image" (include "gmp.image" (dict "root" $root "component" $component)) -}}
{{- with $root.Values.image.pullPolicy }}{{ $_ := set $c "imagePullPolicy" . }}{{ end -}}
{{- end -}}
{{- include "gmp.argo.secretRefs" (dict "root" $root "container" $c) -}}
{{- with index $root.Values.workflows.resources $t.name }}{{ $_ := set $c "resources" (deepCopy .) }}{{ end -}}
{{- if and (eq $component "dbt") $root.Values.devWarehouse.enabled -}}
{{- $mount := dict "name" "dev-warehouse" "mountPath" $root.Values.devWarehouse.mountPath -}}
{{- $_ := set $c "volumeMounts" (append (default (list) $c.volumeMounts) $mount) -}}
{{- $claim := dict "claimName" (include "gmp.componentName" (dict "root" $root "component" "warehouse")) -}}
{{- $volume := dict "name" "dev-warehouse" "persistentVolumeClaim" $claim -}}
{{- $_ := set $t "volumes" (append (default (list) $t.volumes) $volume) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Point secretKeyRef / secretRef at secrets.existingSecret when one is given. */}}
{{- define "gmp.argo.secretRefs" -}}
{{- $from := include "gmp.defaultSecretName" .root -}}
{{- $to := include "gmp.secretName" .root -}}
{{- if ne $from $to -}}
{{- range .container.env -}}
{{- if and .valueFrom .valueFrom.secretKeyRef (eq .valueFrom.secretKeyRef.name $from) -}}
{{- $_ := set .valueFrom.secretKeyRef "name" $to -}}
{{- end -}}
{{- end -}}
{{- range .container.envFrom -}}
{{- if and .secretRef (eq .secretRef.name $from) }}{{ $_ := set .secretRef "name" $to }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}
