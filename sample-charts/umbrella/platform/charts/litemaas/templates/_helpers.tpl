{{/* Chart name, overridable with nameOverride. */}}
{{- define "litemaas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone when it already contains the chart name. */}}
{{- define "litemaas.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "name-version" for the helm.sh/chart label. */}}
{{- define "litemaas.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Per-component names. */}}
{{- define "litemaas.backend.fullname" -}}
{{- printf "%s-backend" (include "litemaas.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "litemaas.frontend.fullname" -}}
{{- printf "%s-frontend" (include "litemaas.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "litemaas.litellm.fullname" -}}
{{- printf "%s-litellm" (include "litemaas.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "litemaas.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "litemaas.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object. app.kubernetes.io/version follows appVersion. */}}
{{- define "litemaas.labels" -}}
helm.sh/chart: {{ include "litemaas.chart" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "litemaas.name" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
{{- end }}

{{/* Selector labels; call with (dict "context" $ "component" "api"). */}}
{{- define "litemaas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "litemaas.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Full labels for a component; same arguments as litemaas.selectorLabels. */}}
{{- define "litemaas.componentLabels" -}}
{{ include "litemaas.labels" .context }}
{{ include "litemaas.selectorLabels" . }}
{{- end }}

{{/* Database URLs, built from the bundled PostgreSQL. */}}
{{- define "litemaas.backend.databaseUrl" -}}
{{- printf "postgresql://%s:%s@%s:5432/litemaas_db?sslmode=disable" .Values.postgresql.auth.username .Values.postgresql.auth.password (include "litemaas.postgresql.fullname" .) }}
{{- end }}
{{- define "litemaas.litellm.databaseUrl" -}}
{{- printf "postgresql://%s:%s@%s:5432/litellm_db" .Values.postgresql.auth.username .Values.postgresql.auth.password (include "litemaas.postgresql.fullname" .) }}
{{- end }}

{{/*
Init container that waits for PostgreSQL; it reuses the postgres image for psql.
Call with (dict "context" $ "secretName" "name").
*/}}
{{- define "litemaas.initWaitForDatabase" -}}
- name: wait-for-database
  image: {{ .context.Values.postgresql.image.repository }}:{{ .context.Values.postgresql.image.tag }}
  command:
    - sh
    - -c
    - |
      until psql "$DATABASE_URL" -c '\q' 2>/dev/null; do
        echo "Waiting for database..."
        sleep 2
      done
  env:
    - name: DATABASE_URL
      valueFrom:
        secretKeyRef:
          name: {{ .secretName }}
          key: database-url
{{- end }}

{{/* Init container for the frontend: busybox on Kubernetes, the tools image on OpenShift. */}}
{{- define "litemaas.initWaitForBackend" -}}
- name: wait-for-backend
  {{- if eq .Values.global.platform "openshift" }}
  image: image-registry.openshift-image-registry.svc:5000/openshift/tools:latest
  {{- else }}
  image: busybox:1.36
  {{- end }}
  command: ['sh', '-c']
  args:
    - until nc -z {{ include "litemaas.backend.fullname" . }} 8080; do echo waiting for backend; sleep 5; done
{{- end }}
