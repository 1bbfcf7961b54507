/// The GitOps repository of the `frigate-coral` scenario, as `flux bootstrap` lays it
/// out: the root Kustomization `flux-system` reconciles `clusters/homelab`, which
/// holds a Flux Kustomization `frigate` for `apps/frigate`. Comments and layout are what people write by hand, because
/// ferry's manifest edits must keep them byte for byte.
enum FrigateCoralManifests {
    /// The `frigate-bootstrap` layout: `clusters/homelab` (the root Kustomization's
    /// path) lists Frigate and Mosquitto, whose config lives in namespace `mqtt`.
    static var bootstrapFiles: [String: String] {
        var files = files
        files["clusters/homelab/frigate.yaml"] = nil
        files["clusters/homelab/kustomization.yaml"] = """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - ../../apps/frigate
              - ../../apps/mosquitto

            """
        files["apps/mosquitto/kustomization.yaml"] = """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - namespace.yaml
              - configmap.yaml

            """
        files["apps/mosquitto/namespace.yaml"] = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: mqtt

            """
        files["apps/mosquitto/configmap.yaml"] = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: mosquitto-config
              namespace: mqtt
            data:
              mosquitto.conf: |
                listener 1883
                persistence true

            """
        return files
    }

    static let files: [String: String] = [
        "README.md": """
            # homelab-gitops

            Flux reconciles `clusters/homelab/` into the K3s cluster.
            Hardware-bound apps pin themselves to the node that has the hardware.

            """,
        "clusters/homelab/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - frigate.yaml

            """,
        "clusters/homelab/frigate.yaml": """
            # Frigate reconciles on its own, so that it can be paused alone.
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata:
              name: frigate
              namespace: flux-system
            spec:
              interval: 10m0s
              path: ./apps/frigate
              prune: true
              sourceRef:
                kind: GitRepository
                name: flux-system

            """,
        "apps/frigate/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - namespace.yaml
              - secret.yaml
              - configmap.yaml
              - pvc.yaml
              - deployment.yaml
              - service.yaml

            """,
        "apps/frigate/namespace.yaml": """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: frigate

            """,
        "apps/frigate/secret.yaml": """
            # MQTT and camera credentials. In the real repo this file is SOPS-encrypted;
            # the lab keeps it plain so that it needs no key.
            apiVersion: v1
            kind: Secret
            metadata:
              name: frigate-credentials
              namespace: frigate
            type: Opaque
            stringData:
              FRIGATE_MQTT_PASSWORD: lab-mqtt-password
              FRIGATE_RTSP_PASSWORD: lab-rtsp-password

            """,
        "apps/frigate/pvc.yaml": """
            # Frigate keeps its database and model cache in /config and the
            # recordings in /media/frigate. Both use the default local-path class,
            # so they live on the node that first ran the pod.
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: frigate-config
              namespace: frigate
            spec:
              accessModes:
                - ReadWriteOnce
              resources:
                requests:
                  storage: 5Gi
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: frigate-media
              namespace: frigate
            spec:
              accessModes:
                - ReadWriteOnce
              resources:
                requests:
                  storage: 100Gi

            """,
        "apps/frigate/configmap.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: frigate-config
              namespace: frigate
            data:
              config.yml: |
                mqtt:
                  host: mosquitto.mqtt.svc.cluster.local
                  user: frigate
                  password: "{FRIGATE_MQTT_PASSWORD}"

                # Coral USB TPU (passed through to the VM, see blueprint)
                detectors:
                  coral:
                    type: edgetpu
                    device: usb

                ffmpeg:
                  # NVDEC on the GPU node; change with the node's hardware
                  hwaccel_args: preset-nvidia-h264

                cameras:
                  driveway:
                    ffmpeg:
                      inputs:
                        - path: rtsp://admin:{FRIGATE_RTSP_PASSWORD}@192.168.4.50:554/stream1
                          roles:
                            - detect
                            - record
                    detect:
                      width: 1280
                      height: 720
                record:
                  enabled: true
                  retain:
                    days: 7

            """,
        "apps/frigate/service.yaml": """
            # The web UI and API; Traefik's IngressRoute points here.
            apiVersion: v1
            kind: Service
            metadata:
              name: frigate
              namespace: frigate
              labels:
                app: frigate
            spec:
              selector:
                app: frigate
              ports:
                - name: http
                  port: 5000
                  targetPort: http

            """,
        "apps/frigate/deployment.yaml": """
            # Frigate NVR with a Coral USB TPU.
            # The Coral is plugged into pumped-piglet and passed through to VM 105
            # (usb0/usb1, both ids, usb3=1): the pod must run on that node.
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: frigate
              namespace: frigate
              labels:
                app: frigate
            spec:
              replicas: 1
              strategy:
                type: Recreate # one pod at a time: the TPU and the RWO volumes can't be shared
              selector:
                matchLabels:
                  app: frigate
              template:
                metadata:
                  labels:
                    app: frigate
                spec:
                  runtimeClassName: nvidia
                  nodeSelector:
                    kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu
                    coral.ai/tpu: usb
                  containers:
                    - name: frigate
                      image: ghcr.io/blakeblackshear/frigate:0.14.1
                      securityContext:
                        privileged: true # USB access to the Coral
                      envFrom:
                        - secretRef:
                            name: frigate-credentials
                      ports:
                        - name: http
                          containerPort: 5000
                      resources:
                        requests:
                          cpu: "1"
                          memory: 2Gi
                        limits:
                          memory: 4Gi
                          nvidia.com/gpu: 1
                      volumeMounts:
                        - name: config
                          mountPath: /config
                        - name: media
                          mountPath: /media/frigate
                        - name: config-file
                          mountPath: /config/config.yml
                          subPath: config.yml
                        - name: usb
                          mountPath: /dev/bus/usb
                        - name: dri
                          mountPath: /dev/dri
                  volumes:
                    - name: config
                      persistentVolumeClaim:
                        claimName: frigate-config
                    - name: media
                      persistentVolumeClaim:
                        claimName: frigate-media
                    - name: config-file
                      configMap:
                        name: frigate-config
                    - name: usb
                      hostPath:
                        path: /dev/bus/usb
                    - name: dri
                      hostPath:
                        path: /dev/dri

            """,
    ]
}
