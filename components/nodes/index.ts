export * from "./contract";
export * from "./plan";
export * from "./firewall";
export * from "./ssh-config";
export * from "./hetzner";
export * from "./colima";
export * from "./host-tools";
export * from "./colima-cli";
