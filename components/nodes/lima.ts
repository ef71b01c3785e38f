import * as YAML from "yaml";

/**
 * One Lima `portForwards` rule (lima-vm/lima pkg/limatype/lima_yaml.go, tag v2.2.0, commit
 * de0816ea4bdc5267b428ab21025889b8dd785526). Omitted fields take Lima's defaults (pkg/limayaml/defaults.go
 * FillPortForwardDefaults): guestIP 127.0.0.1, guestIPMustBeZero = (guestIP == 0.0.0.0), hostIP 127.0.0.1,
 * port ranges 1-65535, proto any.
 */
export interface LimaPortForward {
    guestIP?: string;
    guestIPMustBeZero?: boolean;
    guestPortRange?: [number, number];
    hostIP?: string;
    hostPortRange?: [number, number];
    proto?: "tcp" | "udp" | "any";
    ignore?: boolean;
}

/** First line of the override file this program writes; colima-up.sh recognises its own file by it. */
export const LIMA_OVERRIDE_MARKER = "# Written by k3s-cilium (colima-up.sh): every guest port is forwarded to the host's 127.0.0.1 only.";

/**
 * Colima adds `guestIP 0.0.0.0 → hostIP 0.0.0.0` rules for TCP and UDP, ports 1-65535, to every VM
 * (abiosoft/colima environment/vm/lima/yaml.go, tag v0.10.3): the API, kubelet, etcd, Cilium health, Hubble and
 * metrics would listen on every interface of the laptop. Lima prepends the rules of `_config/override.yaml` to the
 * instance's own (pkg/limayaml/defaults.go FillDefault: `slices.Concat(o.PortForwards, y.PortForwards, ...)`), and
 * the first matching rule wins (pkg/hostagent/port.go and pkg/portfwd/forward.go `forwardingAddresses`). These
 * rules match every guest address (`guestIP: 0.0.0.0` with `guestIPMustBeZero: false` matches any guest IP) and
 * every port, and forward to 127.0.0.1, so Colima's 0.0.0.0 rules are never reached.
 */
export const LOOPBACK_ONLY_FORWARDS: readonly LimaPortForward[] = Object.freeze((["tcp", "udp"] as const).map(proto => ({
    guestIP: "0.0.0.0",
    guestIPMustBeZero: false,
    guestPortRange: [1, 65535] as [number, number],
    hostIP: "127.0.0.1",
    hostPortRange: [1, 65535] as [number, number],
    proto,
})));

/**
 * The text of `$LIMA_HOME/_config/override.yaml`. Lima reads that one file for every instance under its home
 * (pkg/limayaml/load.go), and Colima keeps all its profiles under one Lima home, so the rules also make the user's
 * other Colima profiles loopback-only: a tightening, said so in the file and in the README.
 */
export function limaLoopbackOverride(): string {
    return [
        LIMA_OVERRIDE_MARKER,
        "# Lima applies these before the rules of each VM, so no Colima VM of this user forwards a port to the LAN.",
        "# Keep these rules first if you add your own settings below; remove the file to restore Colima's default.",
        YAML.stringify({ portForwards: LOOPBACK_ONLY_FORWARDS }, { flow: false }).trimEnd(),
        "",
    ].join("\n");
}
