/**
 * cloud-init's contract for the user data the program writes, as test data.
 *
 * Provenance: github.com/canonical/cloud-init at 04eacd06ee60de9dbb9e7be784be20dab7342c1a (26.2-20-g04eacd06,
 * 2026-08-21), read with the code mirror:
 * - cloudinit/config/schemas/schema-cloud-config-v1.json: `cc_write_files` (item: required `path`,
 *   additionalProperties false; `permissions` "an octal string"; `encoding` enum), `cc_runcmd` (items: a list of
 *   strings, a string, or null), `cc_ssh` (ssh_keys, ssh_deletekeys, disable_root), `cc_set_passwords` (ssh_pwauth).
 * - cloudinit/config/cc_write_files.py `decode_perms`: an int is taken as is, anything else as int(str(perm), 8);
 *   an undecodable value falls back to 0o644 with only a log warning (so a wrong format would silently leave a
 *   token file world-readable: the test decodes it exactly like this).
 * - cloudinit/util.py `shellify`: a list item becomes one line of single-quoted words.
 * - config/cloud.cfg.tmpl: write_files and ssh in cloud_init_modules, runcmd in cloud_config_modules (it only
 *   writes the script), scripts_user (which runs it) in cloud_final_modules.
 * cloud-init parses user data with PyYAML (YAML 1.1): tests parse the rendered text with `version: "1.1"`.
 */

import * as zlib from "zlib";

/** Top-level keys the program uses, with the module whose schema defines each. */
export const CLOUD_CONFIG_KEYS: Readonly<Record<string, string>> = Object.freeze({
    ssh_pwauth: "cc_set_passwords",
    disable_root: "cc_ssh",
    ssh_deletekeys: "cc_ssh",
    ssh_keys: "cc_ssh",
    write_files: "cc_write_files",
    runcmd: "cc_runcmd",
});

/** Every key a `write_files` item may have (additionalProperties: false). */
export const WRITE_FILES_ITEM_KEYS: ReadonlySet<string> = new Set(["path", "content", "source", "owner", "permissions", "encoding", "append", "defer"]);

/** `encoding` values cc_write_files accepts. */
export const WRITE_FILES_ENCODINGS: ReadonlySet<string> = new Set(["gz", "gzip", "gz+base64", "gzip+base64", "gz+b64", "gzip+b64", "b64", "base64", "text/plain"]);

/** cc_write_files.decode_perms, for a parsed YAML value: the mode cloud-init applies (0o644 when undecodable). */
export function decodePerms(perm: unknown): number {
    const DEFAULT = 0o644;
    if (perm === undefined || perm === null) return DEFAULT;
    if (typeof perm === "number") return Math.trunc(perm);
    const text = String(perm).trim();
    // Python int(x, 8): optional sign, optional 0o prefix, octal digits (underscores between digits allowed).
    const m = /^([+-]?)(?:0[oO])?_?([0-7](?:_?[0-7])*)$/.exec(text);
    return m ? Number.parseInt(m[1] + m[2].replace(/_/g, ""), 8) : DEFAULT;
}

/**
 * The bytes cc_write_files writes for an item's content: `canonicalize_extraction` maps the encoding to steps
 * (gz/gzip → gunzip; gz+base64, gzip+base64, gz+b64, gzip+b64 → base64-decode then gunzip; b64/base64 →
 * base64-decode; text/plain or none → as is; anything else → a warning and as is), `extract_contents` applies them.
 */
export function writtenContent(content: string, encoding?: string): Buffer {
    const e = (encoding ?? "").toLowerCase().trim();
    const steps = ["gz", "gzip"].includes(e) ? ["gunzip"]
        : ["gz+base64", "gzip+base64", "gz+b64", "gzip+b64"].includes(e) ? ["base64", "gunzip"]
            : ["b64", "base64"].includes(e) ? ["base64"] : [];
    let out = Buffer.from(content, "utf8");
    for (const step of steps) out = step === "base64" ? Buffer.from(out.toString("latin1"), "base64") : zlib.gunzipSync(out);
    return out;
}

/** The stage each module runs in: a file written by `write_files` exists before `runcmd`'s command runs. */
export const MODULE_STAGE: Readonly<Record<string, "init" | "config" | "final">> = Object.freeze({
    write_files: "init",
    ssh: "init",
    runcmd: "config",
    scripts_user: "final",
});
export const STAGE_ORDER = ["init", "config", "final"] as const;

/** Hetzner Cloud: "Cloud-Init user data to use during Server creation. This field is limited to 32KiB."
 *  (docs.hetzner.cloud/reference/cloud, Create a Server, `user_data`). */
export const HETZNER_USER_DATA_LIMIT = 32 * 1024;
