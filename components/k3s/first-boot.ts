/**
 * Agents install k3s and join from first-boot user data (issue #18): the program renders, per agent, the cloud-init
 * `write_files` entries (the real scripts under components/k3s/scripts, and the agent's config.yaml with the
 * short-lived bootstrap token, bootstrap-token.ts)
 * and one `runcmd` entry that runs first-boot.sh. No Pulumi command holds an SSH session while an agent boots,
 * downloads and joins; one command on the first server waits for all of them (agents-joined.sh).
 *
 * cloud-init contract relied on (canonical/cloud-init@04eacd06, 26.2-20; held by test/contracts/cloud-init.ts):
 * - `write_files` runs in the init stage, `runcmd` is written in the config stage and executed by `scripts_user` in
 *   the final stage (config/cloud.cfg.tmpl: cloud_init_modules / cloud_config_modules / cloud_final_modules), so
 *   every file exists before the command runs; the final stage is After=network-online.target
 *   (systemd/cloud-final.service).
 * - A `write_files` item: `path` (required), `content`, `owner` (default root:root), `permissions` (an octal
 *   string, decoded with int(str(perm), 8)), `encoding` (default text/plain; `gz+b64`: base64-decoded, then
 *   gunzipped, `canonicalize_extraction` / `extract_contents`) — cloudinit/config/cc_write_files.py, schema
 *   cloudinit/config/schemas/schema-cloud-config-v1.json `cc_write_files` (additionalProperties: false).
 *   The scripts go gzip+base64: the same for every agent (encoded once per process), about a third of their text's
 *   size, which keeps an agent's user data far below Hetzner's 32 KiB `user_data` limit.
 * - A `runcmd` item that is a list is run as one command with every element single-quoted
 *   (cloudinit/util.py `shellify`), so arguments need no shell quoting of their own.
 * The user data is a secret Output and is ignored after creation (components/nodes/hetzner.ts), like the host key.
 */
import * as zlib from "zlib";
import type * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config";
import type { PlannedNode } from "../nodes/plan";
import { loadScript } from "../shared/script";
import { nodeImages } from "../cilium/images";
import { BOOTSTRAP_TOKEN_PATTERN } from "./bootstrap-token";
import { k3sNodeConfig, renderK3sConfig } from "./config";
import { installArgs, prefetchArgs, preflightArgs, ScriptNode, startArgs } from "./script-args";

const script = (name: string) => loadScript(__dirname, name);

/** Where first boot keeps its files and writes its log (the log path is what agents-joined.sh points at). */
export const FIRST_BOOT = Object.freeze({
    dir: "/var/lib/k3s-cilium/first-boot",
    log: "/var/log/k3s-cilium-first-boot.log",
    /** In config.yaml's node-ip when the node's public IPv6 address is only known on the machine (first-boot.sh). */
    ipv6Placeholder: "@public-ipv6@",
});

/** The scripts first-boot.sh runs, in order: the same files the SSH path sends (and the image prefetch). */
export const FIRST_BOOT_SCRIPTS = ["preflight.sh", "configure.sh", "install.sh", "start.sh", "prefetch-images.sh"] as const;

/**
 * How long first-boot.sh lets k3s-agent's start take. Longer than the SSH path's K3S_START_TIMEOUT_SECONDS: the
 * agent boots beside the first server and waits for the API to answer through the endpoint, and no Pulumi slot waits
 * on it (agents-joined.sh bounds the program's wait).
 */
export const FIRST_BOOT_START_TIMEOUT_SECONDS = 1200;

/**
 * A numeric default a script sets with `NAME=${NAME:-<seconds>}`: the script is the one owner of its own bounds, and
 * what the program derives from them (firstBootBounds) follows any change there. Throws when the line is gone, so a
 * renamed bound cannot silently count as 0.
 */
export function scriptDefault(scriptText: string, name: string): number {
    const m = new RegExp(`^${name}=\\$\\{${name}:-([0-9]+)\\}$`, "m").exec(scriptText);
    if (!m) throw new Error(`no ${name}=\${${name}:-<number>} line in the script`);
    return Number(m[1]);
}

/**
 * The longest each bounded step of first-boot.sh can take, in seconds, from the constants the scripts run with
 * (their own defaults, and the start bound the program passes): the two address waits (private node-ip, then the
 * public IPv6 when dual-stack), every install attempt (install.sh's installer download — curl `--retry` extra
 * attempts of `--max-time` each, `--retry-delay` apart — then its INSTALL_TIMEOUT) with first-boot.sh's delays
 * between attempts, the k3s-agent start, and the foreground image prefetch (one wait for the runtime, then one
 * bounded pull per image, each PULL_TIMEOUT). cloud-init's final stage lasts at least this long on a slow first boot.
 */
export function firstBootBounds(config: ClusterConfig): Record<"addressWaits" | "install" | "start" | "prefetch", number> {
    const entry = script("first-boot.sh").text;
    const installer = script("install.sh").text;
    const curl = /curl [^\n]*--retry ([0-9]+) --retry-delay ([0-9]+) --max-time ([0-9]+)/.exec(installer);
    if (!curl) throw new Error("install.sh: no `curl ... --retry N --retry-delay N --max-time N` installer download");
    const [retries, retryDelay, maxTime] = curl.slice(1).map(Number);
    const attempts = scriptDefault(entry, "INSTALL_ATTEMPTS");
    const oneInstall = (retries + 1) * maxTime + retries * retryDelay + scriptDefault(installer, "INSTALL_TIMEOUT");
    // first-boot.sh runs the prefetch only when it is given images (firstBootArgs: prefetchArgs' images).
    const images = nodeImages(config).length;
    return {
        addressWaits: 2 * scriptDefault(entry, "ADDRESS_WAIT"),
        install: attempts * oneInstall + (attempts - 1) * scriptDefault(entry, "INSTALL_RETRY_DELAY"),
        start: FIRST_BOOT_START_TIMEOUT_SECONDS,
        prefetch: images ? (1 + images) * scriptDefault(entry, "PULL_TIMEOUT") : 0,
    };
}

/**
 * How long a first-boot agent's converge waits for cloud-init (wait-boot.sh): the boot itself (the SSH path's boot
 * timeout) plus every bound of first boot (firstBootBounds), so the converge of a replaced agent whose first boot is
 * slow but within its own bounds waits for it instead of failing "cloud-init still running".
 */
export function convergeBootTimeout(config: ClusterConfig, bootTimeout: number): number {
    return bootTimeout + Object.values(firstBootBounds(config)).reduce((a, b) => a + b, 0);
}

/** One cloud-init `write_files` item (keys from cc_write_files' schema). */
export interface CloudInitFile {
    path: string;
    content: string;
    owner: string;
    /** Octal string: cc_write_files decodes it with int(str(perm), 8). */
    permissions: string;
    /** `gz+b64` for the scripts; absent (text/plain) for config.yaml. */
    encoding?: "gz+b64";
}

/**
 * What an agent's user data adds to the host-key part: cloud-init `write_files` and `runcmd` items. This stage builds
 * it; the nodes stage only places it in the user data (components/nodes/hetzner.ts cloudInit).
 */
export interface FirstBoot {
    writeFiles: CloudInitFile[];
    /** `runcmd` items: each a list, run as one single-quoted command line (cloud-init `shellify`). */
    runcmd: string[][];
}

/** Gives a planned node's first-boot user data (secret), or undefined for a node set up over SSH. */
export type FirstBootSource = (node: PlannedNode) => pulumi.Output<FirstBoot> | undefined;

/** The agent facts first boot needs, all known before the machine exists. */
export interface FirstBootNode {
    name: string;
    privateAddress: string;
}

/**
 * An agent's config.yaml as first boot writes it: the same keys as the SSH path (k3sNodeConfig, agent role), the
 * stack's bootstrap token as its `token` (never the agent token: user data stays readable at the metadata service
 * for the machine's life, the bootstrap token is worthless once it expired, bootstrap-token.ts), and with `ipv6` on
 * the placeholder for the public IPv6 half of node-ip.
 */
export function firstBootConfig(config: ClusterConfig, node: FirstBootNode, joinUrl: string, bootstrapToken: string): string {
    if (!BOOTSTRAP_TOKEN_PATTERN.test(bootstrapToken)) throw new Error("first-boot user data takes only a bootstrap token (<id>.<secret>)");
    const nodeConfig = k3sNodeConfig(config, {
        name: node.name, role: "agent", privateAddress: node.privateAddress,
        publicIpv6Address: config.network.ipv6 ? FIRST_BOOT.ipv6Placeholder : undefined,
        isFirstServer: false, joinUrl, tlsSans: [],
    });
    // k3sTokenKeys gives an agent only its `token`: here the bootstrap token, neither the server nor the agent token.
    return renderK3sConfig(nodeConfig, "agent", { server: "", agent: bootstrapToken });
}

const encoded = new Map<string, string>();

/**
 * A script's text gzipped and base64-encoded, once per process. Deterministic: Node's gzip writes mtime 0, and the
 * header's OS byte (which zlib sets per build platform) is set to 255, "unknown" (RFC 1952), so every machine
 * renders the same bytes.
 */
export function gzipBase64(text: string): string {
    let out = encoded.get(text);
    if (out === undefined) {
        const gz = zlib.gzipSync(Buffer.from(text, "utf8"), { level: 9 });
        gz[9] = 255;
        out = gz.toString("base64");
        encoded.set(text, out);
    }
    return out;
}

/**
 * first-boot.sh's arguments after its own path: `<node-name> <dir> <min-kernel> <tunnel> <wireguard> <node-ip>
 * <version> <installer-url> <installer-sha256> <start-timeout> [image...]` (its usage line). Each group is what the
 * SSH path passes that script (script-args.ts) less the leading words first-boot.sh fills itself: the node name,
 * for install.sh and start.sh also the role (always agent), for prefetch-images.sh also its mode and pull timeout.
 */
export function firstBootArgs(config: ClusterConfig, node: FirstBootNode): string[] {
    const agent: ScriptNode = { name: node.name, role: "agent", privateAddress: node.privateAddress };
    return [
        node.name, FIRST_BOOT.dir,
        ...preflightArgs(config, agent).slice(1),
        ...installArgs(config, agent).slice(2),
        ...startArgs(agent, FIRST_BOOT_START_TIMEOUT_SECONDS).slice(2),
        ...prefetchArgs(config, agent, "foreground").slice(3),
    ];
}

/** The first-boot part of one agent's user data (pure; the caller keeps it secret: config.yaml has the bootstrap token). */
export function agentFirstBoot(config: ClusterConfig, node: FirstBootNode, configYaml: string): FirstBoot {
    const path = (name: string) => `${FIRST_BOOT.dir}/${name}`;
    const scriptFile = (name: string): CloudInitFile =>
        ({ path: path(name), content: gzipBase64(script(name).text), owner: "root:root", permissions: "0700", encoding: "gz+b64" });
    const entry = script("first-boot.sh");
    return {
        writeFiles: [
            ...FIRST_BOOT_SCRIPTS.map(scriptFile),
            scriptFile(entry.name),
            { path: path("config.yaml"), content: configYaml, owner: "root:root", permissions: "0600" },
        ],
        runcmd: [["bash", path(entry.name), ...firstBootArgs(config, node)]],
    };
}
