/// The GitOps repository of the `frigate-helm` scenario: the `frigate-coral` homelab,
/// with Frigate from a chart kept in the repository (`charts/frigate`) and released by
/// a HelmRelease in `clusters/homelab/frigate`, which a Kustomization `frigate` applies
/// as frigate-coral's applies `apps/frigate`. The hardware (node, runtime, GPU) is in
/// the HelmRelease's values, Frigate's config.yml in a values ConfigMap beside it.
enum FrigateHelmManifests {
    static var files: [String: String] { cluster.merging(FrigateHelmChart.files) { $1 } }

    static let cluster: [String: String] = [
        "README.md": """
            # homelab-gitops

            Flux reconciles `clusters/homelab/` into the K3s cluster.
            Apps with a chart here (`charts/`) are released by a HelmRelease; their
            hardware (node, runtime, GPU) is set in the HelmRelease's values.

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
              path: ./clusters/homelab/frigate
              prune: true
              sourceRef:
                kind: GitRepository
                name: flux-system

            """,
        "clusters/homelab/frigate/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - namespace.yaml
              - secret.yaml
              - values.yaml
              - helmrelease.yaml

            """,
        "clusters/homelab/frigate/namespace.yaml": """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: frigate

            """,
        "clusters/homelab/frigate/secret.yaml": """
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
        "clusters/homelab/frigate/values.yaml": """
            # Frigate's config.yml, as chart values: the HelmRelease reads them with
            # valuesFrom, and the chart renders them into ConfigMap frigate-config.
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: frigate-values
              namespace: frigate
            data:
              values.yaml: |
                config: |
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
        "clusters/homelab/frigate/helmrelease.yaml": """
            # Frigate NVR with a Coral USB TPU, from the chart in charts/frigate.
            # The Coral is plugged into pumped-piglet and passed through to VM 105
            # (usb0/usb1, both ids, usb3=1): the pod must run on that node.
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata:
              name: frigate
              namespace: frigate
            spec:
              interval: 10m0s
              chart:
                spec:
                  chart: ./charts/frigate
                  sourceRef:
                    kind: GitRepository
                    name: flux-system
                    namespace: flux-system
              # Put back what is changed by hand in the cluster (kubectl scale, edit).
              driftDetection:
                mode: enabled
              valuesFrom:
                - kind: ConfigMap
                  name: frigate-values # config.yml, in values.yaml beside this file
                  valuesKey: values.yaml
              values:
                nodeSelector:
                  kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu
                runtimeClassName: nvidia
                credentialsSecret: frigate-credentials
                resources:
                  requests:
                    cpu: "1"
                    memory: 2Gi
                  limits:
                    memory: 4Gi
                    nvidia.com/gpu: 1

            """,
    ]
}
