/// The Frigate chart of the `frigate-helm` scenario's repository (`charts/frigate`),
/// written in the lab's Helm subset. Its defaults are neutral (no node, no GPU, the
/// CPU detector); with the homelab's values it renders frigate-coral's Deployment,
/// Service, ConfigMap and claims, so the lab runs the same Frigate.
enum FrigateHelmChart {
    static let files: [String: String] = [
        "charts/frigate/Chart.yaml": """
            apiVersion: v2
            name: frigate
            description: Frigate NVR with hardware object detection
            type: application
            version: 0.3.0
            appVersion: "0.14.1"

            """,
        "charts/frigate/values.yaml": """
            # Default values for frigate. Where it runs and with which hardware is
            # the HelmRelease's business: nothing here pins a node or a GPU.

            image:
              repository: ghcr.io/blakeblackshear/frigate
              # Defaults to the chart's appVersion.
              tag: ""

            replicas: 1

            # Frigate's config.yml, as text, rendered into the ConfigMap <release>-config.
            config: |
              mqtt:
                enabled: false
              detectors:
                cpu:
                  type: cpu
              cameras: {}

            # A Secret with FRIGATE_* variables (MQTT and camera passwords), as envFrom.
            credentialsSecret: ""

            nodeSelector: {}
            runtimeClassName: ""
            resources: {}

            securityContext:
              privileged: true # USB access to the Coral

            # Host device directories mounted into the container.
            devices:
              usb: /dev/bus/usb # the Coral USB TPU
              dri: /dev/dri # GPU render nodes (VAAPI, NVDEC)

            persistence:
              # Database and model cache (/config), recordings (/media/frigate).
              config:
                size: 5Gi
              media:
                size: 100Gi

            """,
        "charts/frigate/templates/NOTES.txt": """
            Frigate's UI: kubectl -n {{ .Release.Namespace }} port-forward svc/{{ .Release.Name }} 5000

            """,
        "charts/frigate/templates/configmap.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-config
            data:
              config.yml: |
                {{- .Values.config | nindent 4 }}

            """,
        "charts/frigate/templates/pvc.yaml": """
            {{- /* Both claims use the default class: local-path keeps them on the node that first ran the pod. */ -}}
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: {{ .Release.Name }}-config
            spec:
              accessModes:
                - ReadWriteOnce
              resources:
                requests:
                  storage: {{ .Values.persistence.config.size }}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: {{ .Release.Name }}-media
            spec:
              accessModes:
                - ReadWriteOnce
              resources:
                requests:
                  storage: {{ .Values.persistence.media.size }}

            """,
        "charts/frigate/templates/service.yaml": """
            apiVersion: v1
            kind: Service
            metadata:
              name: {{ .Release.Name }}
              labels:
                app: {{ .Release.Name }}
            spec:
              selector:
                app: {{ .Release.Name }}
              ports:
                - name: http
                  port: 5000
                  targetPort: http

            """,
        "charts/frigate/templates/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}
              labels:
                app: {{ .Release.Name }}
            spec:
              replicas: {{ .Values.replicas }}
              strategy:
                type: Recreate # one pod at a time: the TPU and the RWO volumes can't be shared
              selector:
                matchLabels:
                  app: {{ .Release.Name }}
              template:
                metadata:
                  labels:
                    app: {{ .Release.Name }}
                spec:
                  {{- with .Values.runtimeClassName }}
                  runtimeClassName: {{ . }}
                  {{- end }}
                  {{- with .Values.nodeSelector }}
                  nodeSelector:
                    {{- toYaml . | nindent 8 }}
                  {{- end }}
                  containers:
                    - name: frigate
                      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
                      {{- with .Values.securityContext }}
                      securityContext:
                        {{- toYaml . | nindent 12 }}
                      {{- end }}
                      {{- with .Values.credentialsSecret }}
                      envFrom:
                        - secretRef:
                            name: {{ . }}
                      {{- end }}
                      ports:
                        - name: http
                          containerPort: 5000
                      resources:
                        {{- toYaml .Values.resources | nindent 12 }}
                      volumeMounts:
                        - name: config
                          mountPath: /config
                        - name: media
                          mountPath: /media/frigate
                        - name: config-file
                          mountPath: /config/config.yml
                          subPath: config.yml
                        {{- if .Values.devices.usb }}
                        - name: usb
                          mountPath: /dev/bus/usb
                        {{- end }}
                        {{- if .Values.devices.dri }}
                        - name: dri
                          mountPath: /dev/dri
                        {{- end }}
                  volumes:
                    - name: config
                      persistentVolumeClaim:
                        claimName: {{ .Release.Name }}-config
                    - name: media
                      persistentVolumeClaim:
                        claimName: {{ .Release.Name }}-media
                    - name: config-file
                      configMap:
                        name: {{ .Release.Name }}-config
                    {{- with .Values.devices.usb }}
                    - name: usb
                      hostPath:
                        path: {{ . }}
                    {{- end }}
                    {{- with .Values.devices.dri }}
                    - name: dri
                      hostPath:
                        path: {{ . }}
                    {{- end }}

            """,
    ]
}
