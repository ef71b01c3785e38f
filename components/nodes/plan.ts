import { ADDRESS_OFFSETS, ClusterConfig, hostAt, parseCidr, Cidr } from "../config";
import { NodeRole } from "./contract";

/** A planned machine: everything about it that follows from config alone. */
export interface PlannedNode {
    name: string;
    role: NodeRole;
    /** 1-based position within its role. */
    ordinal: number;
    privateAddress: string;
    serverType: string;
    /** Key of the placement group it belongs to (Hetzner spread groups hold at most 10 servers). */
    placementGroup: string;
}

/** Hetzner: a spread placement group holds at most 10 servers. */
export const SPREAD_GROUP_LIMIT = 10;
/** Lima's fixed guest address in its user-mode network (Lima docs: network, "user-mode network"). */
export const COLIMA_GUEST_ADDRESS = "192.168.5.15";

/**
 * Names, roles and private addresses of every node. Addresses follow a fixed scheme inside nodeSubnetCidr
 * (load balancer at +2, servers from +10, agents from +100), so adding an agent never renumbers another node.
 */
export function planNodes(config: ClusterConfig): PlannedNode[] {
    if (config.provider === "colima") {
        return [{
            name: `${config.clusterName}-server-1`, role: "server", ordinal: 1,
            privateAddress: COLIMA_GUEST_ADDRESS, serverType: "colima", placementGroup: "servers",
        }];
    }
    const subnet = parseCidr(config.network.nodeSubnetCidr) as Cidr;
    const nodes: PlannedNode[] = [];
    for (let i = 0; i < config.nodes.controlPlaneCount; i++) {
        nodes.push({
            name: `${config.clusterName}-server-${i + 1}`, role: "server", ordinal: i + 1,
            privateAddress: hostAt(subnet, ADDRESS_OFFSETS.firstServer + i),
            serverType: config.hetzner.controlPlaneServerType, placementGroup: "servers",
        });
    }
    for (let i = 0; i < config.nodes.workerCount; i++) {
        nodes.push({
            name: `${config.clusterName}-agent-${i + 1}`, role: "agent", ordinal: i + 1,
            privateAddress: hostAt(subnet, ADDRESS_OFFSETS.firstAgent + i),
            serverType: config.hetzner.workerServerType,
            placementGroup: `agents-${Math.floor(i / SPREAD_GROUP_LIMIT) + 1}`,
        });
    }
    return nodes;
}

/** With more than one server the API sits behind a load balancer; its private IP is the control-plane VIP. */
export function usesLoadBalancer(config: ClusterConfig): boolean {
    return config.provider === "hetzner" && config.nodes.controlPlaneCount > 1;
}

export function loadBalancerPrivateAddress(config: ClusterConfig): string {
    return hostAt(parseCidr(config.network.nodeSubnetCidr) as Cidr, ADDRESS_OFFSETS.loadBalancer);
}

/** The address Cilium uses as k8sServiceHost (seed: 127.0.0.1 locally, the control-plane VIP in prod). */
export function serviceHost(config: ClusterConfig): string {
    if (config.provider === "colima") return "127.0.0.1";
    return usesLoadBalancer(config) ? loadBalancerPrivateAddress(config) : planNodes(config)[0].privateAddress;
}
