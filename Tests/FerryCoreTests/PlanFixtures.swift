/// Plan files the tests read. `frigate` is the example of docs/PLAN.md, byte for byte
/// (a test compares them): the lab's reference scenario, Frigate with its Coral USB TPU
/// moving from pumped-piglet to still-fawn.
enum PlanFixtures {
    static let frigate = """
        # Move Frigate and its Coral USB TPU from pumped-piglet (VM 105, NVIDIA GPU)
        # to still-fawn (VM 108, AMD iGPU), as the blueprint did by hand.
        apiVersion: ferry.dev/v1alpha1
        kind: MigrationPlan
        metadata:
          name: frigate-piglet-to-fawn

        workload:
          namespace: frigate
          kind: Deployment
          name: frigate

        source:
          node: k3s-vm-pumped-piglet-gpu
          vm: k3s-vm-pumped-piglet-gpu
          vmid: 105
          host: pumped-piglet

        target:
          node: k3s-vm-still-fawn
          vm: k3s-vm-still-fawn
          vmid: 108
          host: still-fawn

        devices:
          # The Coral enumerates as 1a6e:089a until its firmware loads, then as
          # 18d1:9302: the VM must accept both, on its USB 3 controller.
          - name: coral
            type: usb
            ids: [1a6e:089a, 18d1:9302]
            usb3: true

        nodeLabel:
          key: coral.ai/tpu
          value: usb

        volumes:
          - claim: frigate-config   # database and model cache
            action: move
          - claim: frigate-media    # recordings
            action: move

        gitops:
          repo: ~/homelab-gitops
          branch: main
          kustomization: flux-system/frigate
          gitRepository: flux-system/flux-system
          files:
            - apps/frigate/deployment.yaml
            - apps/frigate/configmap.yaml

        manifestChanges:
          - file: apps/frigate/deployment.yaml
            path: [spec, template, spec, nodeSelector, kubernetes.io/hostname]
            set: k3s-vm-still-fawn
          - file: apps/frigate/deployment.yaml
            path: [spec, template, spec, runtimeClassName]   # nvidia: no NVIDIA GPU on still-fawn
            remove: true
          - file: apps/frigate/deployment.yaml
            path: [spec, template, spec, containers, name=frigate, resources, limits, nvidia.com/gpu]
            remove: true
          - file: apps/frigate/configmap.yaml
            path: [data, config.yml]
            replace:
              from: preset-nvidia-h264
              to: preset-vaapi

        drivers:
          - name: libedgetpu
            check: dpkg -s libedgetpu1-std
            install: apt-get update && apt-get install -y libedgetpu1-std

        verify:
          - log: TPU found
            container: frigate
            timeout: 3m
          - http: http://frigate.frigate.svc:5000/api/version
            from: cluster
            status: 200

        timeouts:
          vmBoot: 5m
          deviceMove: 30m
          podReady: 5m

        """
}
