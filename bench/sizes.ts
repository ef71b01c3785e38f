/** The cluster sizes the bench measures, and the config overrides that produce each from its stack file. */
export interface Size { label: string; stack: "local" | "prod"; servers: number; agents: number }

export const SIZES: Size[] = [
    { label: "local", stack: "local", servers: 1, agents: 0 },
    { label: "prod 1", stack: "prod", servers: 1, agents: 0 },
    { label: "prod 3+2", stack: "prod", servers: 3, agents: 2 },
    { label: "prod 3+10", stack: "prod", servers: 3, agents: 10 },
    { label: "prod 3+47", stack: "prod", servers: 3, agents: 47 },
    { label: "prod 3+97", stack: "prod", servers: 3, agents: 97 },
];

export function sizeByLabel(label: string): Size {
    const size = SIZES.find(s => s.label === label);
    if (!size) throw new Error(`unknown bench size "${label}"; accepted: ${SIZES.map(s => s.label).join(", ")}`);
    return size;
}

/** Config overrides for a size (the local stack is always its one VM). */
export function sizeOverrides(size: Size): Record<string, unknown> {
    return size.stack === "prod"
        ? { controlPlaneCount: size.servers, workerCount: size.agents, operatorReplicas: Math.min(2, size.servers + size.agents) }
        : {};
}
