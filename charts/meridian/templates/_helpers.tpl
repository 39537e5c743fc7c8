{{/*
Naming, labels and the pieces every workload shares. Templates bind values to named
variables and declare their schema with `schema $var: <pointer>` comments, so the chart test
(e2e/chart-values.e2e.ts) can check every field a template reads against values.schema.json.
*/}}

{{- define "meridian.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{ else }}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" }}{{ end }}
{{- end -}}

{{- define "meridian.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: meridian
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "meridian.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Env-var suffix of a region id: ap-northeast-1 → AP_NORTHEAST_1 (read by scripts/render-config.js). */}}
{{- define "meridian.regionEnvSuffix" -}}
{{ . | upper | replace "-" "_" }}
{{- end -}}

{{/* One entry of the region registry (libs/config regionSchema), without credentials. */}}
{{- define "meridian.regionConfig" -}}
{{- $r := . -}}
{{- /* schema $r: #/definitions/region */ -}}
{{- $kafka := dict "brokers" $r.kafka.brokers "topicPrefix" ($r.kafka.topicPrefix | default (printf "meridian.%s." $r.id)) -}}
{{- if $r.kafka.consumerGroup }}{{ $_ := set $kafka "consumerGroup" $r.kafka.consumerGroup }}{{ end -}}
{{- $clickhouse := dict "mode" "http" "url" $r.clickhouse.url "database" $r.clickhouse.database -}}
{{- toJson (dict "id" $r.id "name" $r.name "location" $r.location "clickhouse" $clickhouse "bus" (dict "kafka" $kafka)) -}}
{{- end -}}

{{/* Region id of the global plane's default: config.defaultRegion or the first region. */}}
{{- define "meridian.defaultRegion" -}}
{{- $first := first .Values.regions -}}
{{- /* schema $first: #/definitions/region */ -}}
{{- .Values.config.defaultRegion | default $first.id -}}
{{- end -}}

{{/*
A Deployment (+ Service, HPA, PDB) running the server image with some roles.
Parameters: root ($), region (a regions[] entry; an empty dict for the global plane), name
(component), roles (--roles), c (merged component settings), config (ConfigMap name),
configJson (its content, for the rollout checksum), regions (the regions whose ClickHouse
credentials the process needs).
*/}}
{{- define "meridian.workload" -}}
{{- $root := .root -}}
{{- $c := .c -}}
{{- /* schema $c: #/definitions/component */ -}}
{{- $region := .region -}}
{{- /* schema $region: #/definitions/region */ -}}
{{- $scope := "global" -}}
{{- if $region }}{{ $scope = $region.id }}{{ end -}}
{{- $fullname := printf "%s-%s-%s" (include "meridian.fullname" $root) $scope .name | trunc 63 | trimSuffix "-" -}}
{{- $isIntake := eq .name "intake" -}}
{{- $selector := dict "app.kubernetes.io/instance" $root.Release.Name "app.kubernetes.io/component" .name "meridian.dev/region" $scope -}}
{{- $labels := merge (include "meridian.labels" $root | fromYaml) $selector -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  {{- if not $c.autoscaling.enabled }}
  replicas: {{ $c.replicas | int }}
  {{- end }}
  selector:
    matchLabels:
      {{- toYaml $selector | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  template:
    metadata:
      labels:
        {{- toYaml $labels | nindent 8 }}
      annotations:
        checksum/config: {{ .configJson | sha256sum }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # Long enough for graceful shutdown: stop taking requests, publish/insert what is in flight.
      terminationGracePeriodSeconds: 70
      initContainers:
        # Writes the MERIDIAN_CONFIG_FILE: the ConfigMap's region registry plus ClickHouse
        # credentials from Secrets, so no credential sits in a ConfigMap.
        - name: render-config
          image: {{ include "meridian.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["node", "scripts/render-config.js", "/etc/meridian/config.json", "/var/run/meridian/config.json"]
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          env:
            {{- range $cr := .regions }}
            {{- /* schema $cr: #/definitions/region */ -}}
            {{- if $cr.clickhouse.existingSecret }}
            - name: CLICKHOUSE_USERNAME__{{ include "meridian.regionEnvSuffix" $cr.id }}
              valueFrom: { secretKeyRef: { name: {{ $cr.clickhouse.existingSecret | quote }}, key: username } }
            - name: CLICKHOUSE_PASSWORD__{{ include "meridian.regionEnvSuffix" $cr.id }}
              valueFrom: { secretKeyRef: { name: {{ $cr.clickhouse.existingSecret | quote }}, key: password } }
            {{- end }}
            {{- end }}
          resources:
            requests: { cpu: 10m, memory: 64Mi }
            limits: { memory: 128Mi }
          volumeMounts:
            - { name: config-template, mountPath: /etc/meridian, readOnly: true }
            - { name: config, mountPath: /var/run/meridian }
      containers:
        - name: meridian
          image: {{ include "meridian.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: ["start", "--roles={{ .roles }}"]
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          env:
            - { name: MERIDIAN_CONFIG_FILE, value: /var/run/meridian/config.json }
            - { name: MERIDIAN_DATA_DIR, value: /var/lib/meridian }
            - { name: MERIDIAN_DEMO, value: "0" }
            {{- if $isIntake }}
            # Each intake enforces a tenant's ingest limits ÷ this many intakes (README, "Distributed mode").
            - { name: MERIDIAN_INTAKE_REPLICAS, value: {{ ternary $c.autoscaling.minReplicas $c.replicas $c.autoscaling.enabled | int | quote }} }
            - { name: MERIDIAN_INTAKE_ENCODE_THREADS, value: {{ $c.encodeThreads | default 2 | int | quote }} }
            {{- end }}
            # Fewer glibc malloc arenas: ~100–200 MiB less resident memory at full ingest rate (README, "Memory").
            - { name: MALLOC_ARENA_MAX, value: "2" }
            - { name: MERIDIAN_PUBLIC_URL, value: {{ $root.Values.config.publicUrl | quote }} }
            - { name: MERIDIAN_TRUST_PROXY, value: {{ $root.Values.config.trustProxy | quote }} }
            - { name: MERIDIAN_RETENTION_DAYS, value: {{ $root.Values.config.retentionDays | int | quote }} }
            {{- if $region }}
            - { name: MERIDIAN_BUS, value: kafka }
            - { name: MERIDIAN_DEFAULT_REGION, value: {{ $region.id | quote }} }
            - { name: MERIDIAN_KAFKA_CLIENT_ID, value: {{ printf "meridian-%s-%s" $region.id .name | quote }} }
            - { name: MERIDIAN_KAFKA_COMPRESSION, value: {{ $root.Values.config.kafka.compression | quote }} }
            - { name: MERIDIAN_KAFKA_IDEMPOTENT, value: {{ $root.Values.config.kafka.idempotent | quote }} }
            - { name: MERIDIAN_KAFKA_SESSION_TIMEOUT_MS, value: {{ $root.Values.config.kafka.sessionTimeoutMs | int | quote }} }
            - { name: MERIDIAN_KAFKA_HEARTBEAT_INTERVAL_MS, value: {{ $root.Values.config.kafka.heartbeatIntervalMs | int | quote }} }
            - { name: MERIDIAN_KAFKA_TENANT_PARTITIONS, value: {{ $root.Values.config.kafka.tenantPartitions | int | quote }} }
            {{- if $region.otlpPublicUrl }}
            - { name: MERIDIAN_OTLP_PUBLIC_URL, value: {{ $region.otlpPublicUrl | quote }} }
            {{- end }}
            {{- else }}
            # The global plane serves the UI, the control plane and alerting; it uses no bus.
            - { name: MERIDIAN_BUS, value: inline }
            - { name: MERIDIAN_DEFAULT_REGION, value: {{ include "meridian.defaultRegion" $root | quote }} }
            {{- end }}
            {{- if ne .name "ingester" }}
            - name: DATABASE_URL
              valueFrom: { secretKeyRef: { name: {{ $root.Values.controlPlane.database.existingSecret | quote }}, key: {{ $root.Values.controlPlane.database.urlKey | quote }} } }
            {{- end }}
            {{- if or (eq .name "api") (eq .name "alerter") }}
            # One key for every api and alerter pod: the api encrypts channel secrets, the alerter decrypts them.
            - name: MERIDIAN_SECRETS_KEY
              valueFrom: { secretKeyRef: { name: {{ $root.Values.controlPlane.secretsKey.existingSecret | quote }}, key: {{ $root.Values.controlPlane.secretsKey.key | quote }} } }
            {{- end }}
            {{- if $root.Values.metrics.existingSecret }}
            # Per-tenant series of /metrics only for scrapes with this bearer token.
            - name: MERIDIAN_METRICS_TOKEN
              valueFrom: { secretKeyRef: { name: {{ $root.Values.metrics.existingSecret | quote }}, key: {{ $root.Values.metrics.key | quote }} } }
            {{- end }}
            {{- with $root.Values.config.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $c.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - { name: http, containerPort: 8080 }
            {{- if $isIntake }}
            - { name: otlp-http, containerPort: 4318 }
            - { name: otlp-grpc, containerPort: 4317 }
            {{- end }}
          # The first start runs the migrations (control plane, ClickHouse): give it time before liveness counts.
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            failureThreshold: 3
          # /readyz fails while a ClickHouse or Kafka cluster this process uses is unreachable: no traffic then.
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            failureThreshold: 2
          lifecycle:
            # Let endpoints drop the pod before SIGTERM starts the drain.
            preStop: { exec: { command: ["sleep", "5"] } }
          resources:
            {{- toYaml $c.resources | nindent 12 }}
          volumeMounts:
            - { name: config, mountPath: /var/run/meridian, readOnly: true }
            - { name: data, mountPath: /var/lib/meridian }
            - { name: tmp, mountPath: /tmp }
      volumes:
        - name: config-template
          configMap: { name: {{ .config }} }
        - name: config
          emptyDir: { medium: Memory, sizeLimit: 1Mi }
        - name: data
          emptyDir: { sizeLimit: 1Gi }
        - name: tmp
          emptyDir: { sizeLimit: 256Mi }
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  selector:
    {{- toYaml $selector | nindent 4 }}
  ports:
    - { name: http, port: 8080, targetPort: http }
    {{- if $isIntake }}
    - { name: otlp-http, port: 4318, targetPort: otlp-http }
    - { name: otlp-grpc, port: 4317, targetPort: otlp-grpc, appProtocol: grpc }
    {{- end }}
{{- if $c.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $fullname }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: {{ $fullname }} }
  minReplicas: {{ $c.autoscaling.minReplicas | int }}
  maxReplicas: {{ $c.autoscaling.maxReplicas | int }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: { type: Utilization, averageUtilization: {{ $c.autoscaling.targetCPUUtilizationPercentage | int }} }
{{- end }}
{{- if $c.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $fullname }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  minAvailable: {{ $c.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- toYaml $selector | nindent 6 }}
{{- end }}
{{- end -}}
