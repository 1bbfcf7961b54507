/// The GitOps repository of the `ollama-gpu` scenario, laid out as `frigate-coral`'s:
/// the root Kustomization `flux-system` reconciles `clusters/homelab`, which holds a
/// Flux Kustomization `ollama` for `apps/ollama`. Ollama asks for the NVIDIA card
/// (`nvidia.com/gpu: 1`, `runtimeClassName: nvidia`), is pinned to the GPU node by
/// hostname, and keeps its models on a node-bound local-path claim.
enum OllamaGPUManifests {
    static let files: [String: String] = [
        "README.md": """
            # homelab-gitops

            Flux reconciles `clusters/homelab/` into the K3s cluster.
            Ollama runs on the node whose VM has the NVIDIA card.

            """,
        "clusters/homelab/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - ollama.yaml

            """,
        "clusters/homelab/ollama.yaml": """
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata:
              name: ollama
              namespace: flux-system
            spec:
              interval: 10m0s
              path: ./apps/ollama
              prune: true
              sourceRef:
                kind: GitRepository
                name: flux-system

            """,
        "apps/ollama/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - namespace.yaml
              - pvc.yaml
              - deployment.yaml
              - service.yaml

            """,
        "apps/ollama/namespace.yaml": """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: ollama

            """,
        "apps/ollama/pvc.yaml": """
            # Models are large: they stay on the node's disk.
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: ollama-models
              namespace: ollama
            spec:
              accessModes:
                - ReadWriteOnce
              storageClassName: local-path
              resources:
                requests:
                  storage: 50Gi

            """,
        "apps/ollama/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: ollama
              namespace: ollama
              labels:
                app: ollama
            spec:
              replicas: 1
              strategy:
                type: Recreate # the GPU and the models' volume are one pod's at a time
              selector:
                matchLabels:
                  app: ollama
              template:
                metadata:
                  labels:
                    app: ollama
                spec:
                  runtimeClassName: nvidia
                  nodeSelector:
                    kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu # the VM with the RTX card
                  containers:
                    - name: ollama
                      image: ollama/ollama:0.5.7
                      ports:
                        - name: http
                          containerPort: 11434
                      env:
                        - name: OLLAMA_MODELS
                          value: /models
                      resources:
                        limits:
                          nvidia.com/gpu: 1
                      volumeMounts:
                        - name: models
                          mountPath: /models
                  volumes:
                    - name: models
                      persistentVolumeClaim:
                        claimName: ollama-models

            """,
        "apps/ollama/service.yaml": """
            apiVersion: v1
            kind: Service
            metadata:
              name: ollama
              namespace: ollama
            spec:
              selector:
                app: ollama
              ports:
                - name: http
                  port: 11434
                  targetPort: http

            """,
    ]
}
