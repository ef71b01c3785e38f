import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import { ClusterConfig } from "../config";
import { loadScript, scriptCommand } from "../shared/script";
import { ClusterNode, ClusterNodes } from "./contract";
import { planNodes, serviceHost } from "./plan";
import { expandHome, parseHostKey, parseSshConfig } from "./ssh-config";
import { limaLoopbackOverride } from "./lima";
import { hostColima } from "./host-tools";
import { ColimaHost, colimaStartFlags, colimaVmType } from "./colima-cli";

export interface ColimaNodesArgs {
    /** Validated config; provider must be "colima". */
    config: ClusterConfig;
    /** The host's Colima (which `colima start` flags exist, which VM type "auto" means). @default hostColima() */
    host?: ColimaHost;
    /** Reads the SSH private key named by ssh-config. Default: fs.readFileSync (with ~ expanded). */
    readKey?: (file: string) => string;
}

/**
 * One Colima VM on the operator's machine. Every guest port is forwarded to the host's 127.0.0.1 only (the Lima
 * override written by colima-up.sh, see lima.ts), which is why the kubeconfig points at https://127.0.0.1:6443 and
 * nothing of the cluster is on the laptop's LAN. SSH is 127.0.0.1:<colimaSshPort>, pinned across VM restarts, and
 * every remote command verifies the guest's host key read at creation.
 */
export class ColimaNodes extends pulumi.ComponentResource implements ClusterNodes {
    readonly nodes: ClusterNode[];
    readonly endpoint: ClusterNodes["endpoint"];
    /** Joiners: none (one VM). */
    readonly endpointResources: pulumi.Resource[] = [];
    readonly vm: command.local.Command;

    constructor(name: string, args: ColimaNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k3s-cilium:nodes:ColimaNodes", name, {}, opts);
        const { config } = args;
        const profile = config.colima.profile;
        const host = args.host ?? hostColima();
        const vmType = colimaVmType(config.colima.vmType, host);
        const readKey = args.readKey ?? ((file: string) => fs.readFileSync(expandHome(file, os.homedir()), "utf8"));

        this.vm = new command.local.Command(`${config.clusterName}-colima`, {
            create: scriptCommand(loadScript(__dirname, "colima-up.sh"),
                [profile, config.colima.sshPort, limaLoopbackOverride(), ...colimaStartFlags(config.colima, host)]),
            delete: scriptCommand(loadScript(__dirname, "colima-delete.sh"), [profile]),
        }, {
            parent: this,
            // Both the old and the new resource are the same profile: Pulumi's default create-then-delete would
            // reuse the running VM and then delete it (with its data). A change of `create` is an update (runs
            // colima-up.sh again, which reuses the VM; pulumi-command v1.2.1 local/commandController.go Update);
            // only `pulumi up --replace` replaces, and then the old VM must go first.
            deleteBeforeReplace: true,
        });

        const ssh = this.vm.stdout.apply(out => parseSshConfig(out, profile));
        const hostKey = this.vm.stdout.apply(out => parseHostKey(out, profile));
        const privateKey = pulumi.secret(ssh.apply(s => readKey(s.identityFile)));
        const [planned] = planNodes(config);
        this.nodes = [{
            name: planned.name,
            role: "server",
            sshAddress: ssh.apply(s => s.host),
            privateAddress: planned.privateAddress,
            // The pinned port, not the one in stdout: the program never depends on what the first start printed.
            // No `poweredOn`: colima-up.sh read the host key over `colima ssh`, so a VM it started answered already,
            // and a VM stopped since does not start by waiting: the host key check does not wait for it.
            connection: { host: ssh.apply(s => s.host), port: config.colima.sshPort, user: ssh.apply(s => s.user), privateKey, hostKey, hostKeyOrigin: "colima" },
            machine: this.vm,
        }];
        this.endpoint = {
            kubeconfigHost: pulumi.output("127.0.0.1"),
            serviceHost: serviceHost(config),
            port: config.apiPort,
            tlsSans: pulumi.output(["127.0.0.1", "localhost", planned.privateAddress]),
        };
        this.registerOutputs({ profile, vmType });
    }
}
