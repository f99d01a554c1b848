{{/*
Base name of every object the chart creates. Fixed on purpose: the rendered Argo templates
reference the ServiceAccount, Secret and ConfigMaps by these names (workflows/names.py).
Kubernetes names are limited to 63 characters, so every name helper truncates.
*/}}
{{- define "gmp.fullname" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of a component's objects: "<fullname>-<component>", truncated to 63 characters. */}}
{{- define "gmp.componentName" -}}
{{- printf "%s-%s" (include "gmp.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Namespace of every object: namespaceOverride, else the release namespace. */}}
{{- define "gmp.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Chart label value "name-version", truncated to 63 characters. */}}
{{- define "gmp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of a component: stable across upgrades. Call with (dict "root" $ "component" "x"). */}}
{{- define "gmp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gmp.fullname" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of every object the chart creates. Call with (dict "root" $ "component" "x"). */}}
{{- define "gmp.labels" -}}
helm.sh/chart: {{ include "gmp.chart" .root }}
{{ include "gmp.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: game-market-pipeline
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Names the Argo templates reference (workflows/names.py): keep them exact. */}}
{{- define "gmp.serviceAccountName" -}}game-market-pipeline-workflow{{- end -}}
{{- define "gmp.defaultSecretName" -}}game-market-pipeline-secrets{{- end -}}
{{- define "gmp.configMapName" -}}game-market-pipeline-config{{- end -}}
{{- define "gmp.syncConfigMapName" -}}game-market-pipeline-sync{{- end -}}

{{/* The Secret the steps read: existingSecret when given, else the one the chart creates. */}}
{{- define "gmp.secretName" -}}
{{- default (include "gmp.defaultSecretName" .) .Values.secrets.existingSecret | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Image reference of a project image. Call with (dict "root" $ "component" "extractor"|"dbt").
registry/repository:tag[@digest]; the tag defaults to the chart's appVersion.
*/}}
{{- define "gmp.image" -}}
{{- $img := index .root.Values.images .component -}}
{{- $ref := $img.repository -}}
{{- with .root.Values.image.registry }}{{ $ref = printf "%s/%s" (trimSuffix "/" .) $ref }}{{ end -}}
{{- $ref = printf "%s:%s" $ref (default .root.Chart.AppVersion $img.tag) -}}
{{- with $img.digest }}{{ $ref = printf "%s@%s" $ref . }}{{ end -}}
{{- $ref -}}
{{- end -}}

{{/* Repositories `gmp render` writes into the Argo templates, mapped to the component that replaces them. */}}
{{- define "gmp.renderedRepositories" -}}
game-market-pipeline/extractor: extractor
game-market-pipeline/dbt: dbt
{{- end -}}

{{/* In-cluster URL of the dev lake's S3 endpoint. */}}
{{- define "gmp.devLake.url" -}}
{{- printf "http://%s.%s.svc:%v" (include "gmp.componentName" (dict "root" . "component" "devlake")) (include "gmp.namespace" .) .Values.devLake.port -}}
{{- end -}}

{{/* In-cluster API root of the RAWG stand-in. */}}
{{- define "gmp.standin.url" -}}
{{- printf "http://%s.%s.svc:%v/api" (include "gmp.componentName" (dict "root" . "component" "rawg-standin")) (include "gmp.namespace" .) .Values.standin.port -}}
{{- end -}}

{{/* DUCKDB_PATH as the steps see it. */}}
{{- define "gmp.duckdbPath" -}}
{{- if .Values.config.DUCKDB_PATH -}}
{{- .Values.config.DUCKDB_PATH -}}
{{- else if .Values.devWarehouse.enabled -}}
{{- printf "%s/game_market.duckdb" (trimSuffix "/" .Values.devWarehouse.mountPath) -}}
{{- end -}}
{{- end -}}

{{/* The effective non-secret settings (the ConfigMap's data): empty values are left out. */}}
{{- define "gmp.settings" -}}
{{- $settings := dict -}}
{{- range $key, $value := .Values.config -}}
{{- if $value }}{{ $_ := set $settings $key (toString $value) }}{{ end -}}
{{- end -}}
{{- if and .Values.devLake.enabled (not .Values.config.S3_ENDPOINT) -}}
{{- $_ := set $settings "S3_ENDPOINT" (include "gmp.devLake.url" .) -}}
{{- end -}}
{{- if and .Values.standin.enabled (not .Values.config.RAWG_BASE_URL) -}}
{{- $_ := set $settings "RAWG_BASE_URL" (include "gmp.standin.url" .) -}}
{{- end -}}
{{- with include "gmp.duckdbPath" . }}{{ $_ := set $settings "DUCKDB_PATH" . }}{{ end -}}
{{- toYaml $settings -}}
{{- end -}}

{{/* imagePullPolicy line for the chart's own containers, when one is set. */}}
{{- define "gmp.pullPolicy" -}}
{{- with .Values.image.pullPolicy }}
imagePullPolicy: {{ . }}
{{- end -}}
{{- end -}}

{{/* imagePullSecrets block for the chart's own pods, when any. */}}
{{- define "gmp.pullSecrets" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}
