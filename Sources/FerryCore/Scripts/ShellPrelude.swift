/// What every generated script starts with: the plan's values, each quoted once
/// here so no later line quotes a plan value again, and the helpers, above all
/// `vm_exec`, which tries SSH and falls back to the QEMU guest agent: the blueprint's
/// migration lost ten minutes when SSH to the K3s VMs broke half-way.
enum ShellPrelude {
    static func lines(_ plan: MigrationPlan) -> [String] {
        var lines = [
            "# The plan's values.",
            "MIGRATION=\(q(plan.name))",
            "NAMESPACE=\(q(plan.workload.namespace))",
            "WORKLOAD_KIND=\(q(plan.workload.kind.rawValue.lowercased()))",
            "WORKLOAD=\(q(plan.workload.name))",
            "SOURCE_NODE=\(q(plan.source.node)) SOURCE_VM=\(q(plan.source.vm)) SOURCE_VMID=\(plan.source.vmid) SOURCE_HOST=\(q(plan.source.host))",
            "TARGET_NODE=\(q(plan.target.node)) TARGET_VM=\(q(plan.target.vm)) TARGET_VMID=\(plan.target.vmid) TARGET_HOST=\(q(plan.target.host))",
            "CLAIMS=(\(VolumeSteps.claims(plan).map(q).joined(separator: " ")))",
            "SSH_TIMEOUT=\(plan.timeouts.ssh.seconds)",
        ]
        if let label = plan.nodeLabel { lines.append("LABEL_KEY=\(q(label.key)) LABEL_VALUE=\(q(label.value))") }
        if let gitops = plan.gitops {
            lines.append("KUSTOMIZATION=\(q(gitops.kustomization.name)) KUSTOMIZATION_NS=\(q(gitops.kustomization.namespace))")
            if let release = gitops.helmRelease {
                lines.append("HELMRELEASE=\(q(release.name)) HELMRELEASE_NS=\(q(release.namespace))")
            }
            lines.append("GIT_SOURCE=\(q(gitops.gitRepository.name)) GIT_SOURCE_NS=\(q(gitops.gitRepository.namespace))")
            // `~` stays the home of whoever runs the script, not of whoever generated it.
            let repo = gitops.repo.hasPrefix("~/") ? "\"$HOME\"/" + q(String(gitops.repo.dropFirst(2))) : q(gitops.repoDirectory)
            lines.append("REPO=${REPO:-\(repo)}   # the GitOps clone (plan: \(gitops.repo))")
            lines.append("BRANCH=\(q(gitops.branch ?? ""))   # empty: the clone's current branch")
        }
        lines += [
            "",
            "# How to reach the hosts and VMs; set these in the environment to change them.",
            "VM_USER=${VM_USER:-}          # empty: the user your ssh config gives the VM's name",
            "HOST_USER=${HOST_USER:-root}  # Proxmox hosts: qm runs as root",
            "HOST_SUFFIX=${HOST_SUFFIX:-}  # e.g. .maas, when host names need a domain",
            "STATE_DIR=${STATE_DIR:-\"$(cd \"$(dirname \"$0\")\" && pwd)/.state\"}  # what 90-rollback.sh needs, saved before each change",
            "mkdir -p \"$STATE_DIR\"",
            "",
        ]
        return lines + helpers
    }

    static let helpers = #"""
        log() { printf '==> %s\n' "$*"; }
        die() { printf 'Error: %s\n' "$*" >&2; exit 1; }

        # host_exec HOST COMMAND...: a command on a Proxmox host, its words quoted for the remote shell.
        host_exec() {
          local host=$1; shift
          ssh -o BatchMode=yes -o ConnectTimeout="$SSH_TIMEOUT" "$HOST_USER@$host$HOST_SUFFIX" -- "$(printf '%q ' "$@")"
        }

        # vm_exec VM VMID HOST COMMAND...: a command in a VM over SSH; when SSH itself fails
        # (exit 255: refused, timed out, no route), through the QEMU guest agent of VMID on HOST
        # instead, with the command's output and exit status (the blueprint's fallback).
        vm_exec() {
          local vm=$1 vmid=$2 host=$3; shift 3
          local status=0 answer
          ssh -o BatchMode=yes -o ConnectTimeout="$SSH_TIMEOUT" "${VM_USER:+$VM_USER@}$vm" -- "$(printf '%q ' "$@")" || status=$?
          if [ "$status" -ne 255 ]; then return "$status"; fi
          echo "ssh to $vm failed; using the QEMU guest agent of VM $vmid on $host" >&2
          answer=$(host_exec "$host" qm guest exec "$vmid" --timeout 600 -- "$@") || return 1
          printf '%s' "$answer" | jq -j '."out-data" // ""'
          printf '%s' "$answer" | jq -j '."err-data" // ""' >&2
          return "$(printf '%s' "$answer" | jq -r '.exitcode // 1')"
        }
        source_exec() { vm_exec "$SOURCE_VM" "$SOURCE_VMID" "$SOURCE_HOST" "$@"; }
        target_exec() { vm_exec "$TARGET_VM" "$TARGET_VMID" "$TARGET_HOST" "$@"; }

        # slots_with HOST VMID FAMILY VALUE...: the usbN or hostpciN keys (FAMILY usb or hostpci) of
        # the VM whose value passes one of the devices (host=ID, host=PORT, an address or
        # mapping=NAME, with or without options after a comma).
        slots_with() {
          local host=$1 vmid=$2 family=$3; shift 3
          host_exec "$host" qm config "$vmid" | awk -F': ' -v wanted="$*" -v family="$family" '
            BEGIN { n = split(wanted, w, " ") }
            $1 ~ ("^" family "[0-9]+$") { for (i = 1; i <= n; i++) if ($2 == w[i] || index($2, w[i] ",") == 1) print $1 }'
        }

        # free_slot HOST VMID FAMILY COUNT: the lowest FAMILYn (0 to COUNT-1) the VM does not use.
        free_slot() {
          local config n
          config=$(host_exec "$1" qm config "$2")
          for n in $(seq 0 $(($4 - 1))); do
            if ! grep -q "^$3$n: " <<<"$config"; then echo "$3$n"; return 0; fi
          done
          return 1
        }

        # wait_for SECONDS WHAT COMMAND...: runs COMMAND every 2 seconds until it succeeds.
        wait_for() {
          local seconds=$1 what=$2; shift 2
          local deadline=$((SECONDS + seconds))
          until "$@" >/dev/null 2>&1; do
            if [ "$SECONDS" -ge "$deadline" ]; then die "waited ${seconds}s for $what"; fi
            sleep 2
          done
        }
        """#.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}
