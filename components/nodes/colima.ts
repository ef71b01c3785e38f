import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import { ClusterConfig } from "../config";
import { loadScript, scriptCommand } from "../shared/script";
import { ClusterNode, ClusterNodes } from "./contract";
import { planNodes, serviceHost } from "./plan";
import { expandHome, parseSshConfig } from "./ssh-config";
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
 * One Colima VM on the operator's machine. Lima forwards every TCP port the guest listens on to 127.0.0.1 on
 * the host (Lima's default portForwards rule), which is why the kubeconfig can point at https://127.0.0.1:6443.
 */
export class ColimaNodes extends pulumi.ComponentResource implements ClusterNodes {
    readonly nodes: ClusterNode[];
    readonly endpoint: ClusterNodes["endpoint"];
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
                [profile, ...colimaStartFlags(config.colima, host)]),
            delete: scriptCommand(loadScript(__dirname, "colima-delete.sh"), [profile]),
        }, { parent: this });

        const ssh = this.vm.stdout.apply(out => parseSshConfig(out, profile));
        const privateKey = pulumi.secret(ssh.apply(s => readKey(s.identityFile)));
        const [planned] = planNodes(config);
        this.nodes = [{
            name: planned.name,
            role: "server",
            sshAddress: ssh.apply(s => s.host),
            privateAddress: planned.privateAddress,
            connection: { host: ssh.apply(s => s.host), port: ssh.apply(s => s.port), user: ssh.apply(s => s.user), privateKey },
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
