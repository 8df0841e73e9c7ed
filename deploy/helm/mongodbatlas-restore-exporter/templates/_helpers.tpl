{{/* The chart name, overridable. */}}
{{- define "mre.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* A release-scoped name, as prometheus-community charts build it. */}}
{{- define "mre.fullname" -}}
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

{{- define "mre.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mre.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mre.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "mre.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "mre.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mre.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mre.secretName" -}}
{{- default (include "mre.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* Where the Secret is mounted; config.yml points private_key_file here. */}}
{{- define "mre.secretDir" -}}/etc/mongodbatlas_restore_exporter/secret{{- end }}

{{/* Where the CA bundle is mounted; config.yml points atlas.ca_file here. */}}
{{- define "mre.caDir" -}}/etc/mongodbatlas_restore_exporter/ca{{- end }}

{{/* "true" when a CA bundle is mounted; refuses two sources, or one beside a hand-set ca_file. */}}
{{- define "mre.caBundle" -}}
{{- $c := .Values.caBundle }}
{{- $sources := compact (list $c.existingConfigMap $c.existingSecret $c.pem) }}
{{- if gt (len $sources) 1 }}
{{- fail "caBundle: set only one of existingConfigMap, existingSecret and pem" }}
{{- end }}
{{- if and $sources .Values.config.atlas.ca_file }}
{{- fail "caBundle sets config.atlas.ca_file: leave config.atlas.ca_file unset" }}
{{- end }}
{{- if $sources }}true{{ end }}
{{- end }}
