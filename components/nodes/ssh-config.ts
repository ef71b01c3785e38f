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
