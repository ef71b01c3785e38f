/** What `colima ssh-config --profile <p>` tells about reaching the VM. */
export interface SshEndpoint {
    host: string;
    port: number;
    user: string;
    identityFile: string;
}

/**
 * Parses OpenSSH client config as printed by `colima ssh-config` (Lima's format: `Hostname 127.0.0.1`, `Port N`,
 * `User u`, one or more quoted `IdentityFile` lines — Lima's own key first). Keywords are case-insensitive as in
 * ssh_config(5). Throws an error naming the profile when a required line is missing.
 */
export function parseSshConfig(output: string, profile: string): SshEndpoint {
    const where = `colima ssh-config --profile ${profile}`;
    if (!output || output.trim() === "") {
        throw new Error(`${where} printed nothing: is the VM running? Check with: colima status --profile ${profile}`);
    }
    const values = new Map<string, string>();
    for (const line of output.split(/\r?\n/)) {
        const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.+?)\s*$/.exec(line);
        if (!m) continue;
        const key = m[1].toLowerCase();
        const value = m[2].replace(/^"(.*)"$/, "$1");
        if (!values.has(key)) values.set(key, value); // ssh uses the first value it sees
    }
    const missing = ["hostname", "port", "user", "identityfile"].filter(k => !values.has(k));
    if (missing.length > 0) {
        const names = missing.map(k => ({ hostname: "Hostname", port: "Port", user: "User", identityfile: "IdentityFile" }[k]));
        throw new Error(`${where} has no ${names.join(", ")} line; cannot reach the VM over SSH (got: ${JSON.stringify(output.slice(0, 200))})`);
    }
    const port = Number(values.get("port"));
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`${where}: Port ${JSON.stringify(values.get("port"))} is not a TCP port`);
    }
    return { host: values.get("hostname")!, port, user: values.get("user")!, identityFile: values.get("identityfile")! };
}

/** The marker line colima-up.sh prints after the ssh-config, carrying the guest's SSH host key. */
export const HOST_KEY_LINE = "# k3s-cilium host-key: ";

/**
 * The guest's ed25519 host key from colima-up.sh's output, in the authorized_keys form pulumi-command parses.
 * Throws when it is missing or not an ed25519 key: connecting without a pinned key would accept any server.
 */
export function parseHostKey(output: string, profile: string): string {
    const line = output.split(/\r?\n/).find(l => l.startsWith(HOST_KEY_LINE));
    const key = line?.slice(HOST_KEY_LINE.length).trim() ?? "";
    if (!/^ssh-ed25519 [A-Za-z0-9+/]+=*( .*)?$/.test(key)) {
        throw new Error(`colima-up.sh printed no ed25519 host key for profile ${profile} (got: ${JSON.stringify(key.slice(0, 80))}); ` +
            `refusing to connect without verifying the VM; check: colima ssh --profile ${profile} -- cat /etc/ssh/ssh_host_ed25519_key.pub`);
    }
    return key;
}

/** Expands a leading ~ the way ssh does. */
export function expandHome(file: string, home: string): string {
    return file === "~" ? home : file.startsWith("~/") ? `${home}${file.slice(1)}` : file;
}

/** Finds an executable on a PATH string; undefined when absent. */
export function findOnPath(name: string, pathEnv: string | undefined, exists: (file: string) => boolean): string | undefined {
    for (const dir of (pathEnv ?? "").split(":").filter(Boolean)) {
        const file = `${dir}/${name}`;
        if (exists(file)) return file;
    }
    return undefined;
}

export const COLIMA_INSTALL_HINT = "install it (macOS: brew install colima; Linux: see https://colima.run/docs/installation/)";
