import { HETZNER_MAX_SERVERS_PER_NETWORK, MAX_CONTROL_PLANE } from "../constants";
import { Problem, Rule, problem } from "./types";

/** clusterName, controlPlaneCount and workerCount: a DNS-label name, etcd quorum, provider limits. */
export const nodeRules: Rule = ({ values: v, ok, facts }) => {
    const problems: Problem[] = [];
    if (ok("clusterName") && !/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/.test(v.clusterName)) {
        problems.push(problem("clusterName", v.clusterName, "accepted: a DNS label of 1-32 characters: lowercase letters, digits and '-', starting with a letter"));
    }
    const cp = v.controlPlaneCount;
    const workers = v.workerCount;
    if (ok("controlPlaneCount")) {
        if (cp < 1) {
            problems.push(problem("controlPlaneCount", cp, "a cluster needs at least one server (zero nodes); accepted: 1, 3, 5 or 7"));
        } else if (cp % 2 === 0) {
            problems.push(problem("controlPlaneCount", cp,
                `etcd needs a majority (quorum) of members: ${cp} servers tolerate as many failures as ${cp - 1} but add one more voter to lose; accepted: 1, 3, 5 or 7`));
        } else if (cp > MAX_CONTROL_PLANE) {
            problems.push(problem("controlPlaneCount", cp, "more than 7 etcd members slows every write; accepted: 1, 3, 5 or 7"));
        }
    }
    if (ok("workerCount") && workers < 0) {
        problems.push(problem("workerCount", workers, "accepted: 0 or more"));
    }
    if (facts.colima && ok("controlPlaneCount", "workerCount") && (cp !== 1 || workers !== 0)) {
        problems.push(problem(cp !== 1 ? "controlPlaneCount" : "workerCount", cp !== 1 ? cp : workers,
            "provider colima runs one VM; accepted: controlPlaneCount 1 and workerCount 0"));
    }
    if (facts.hetzner && facts.nodeCount !== undefined && facts.nodeCount > HETZNER_MAX_SERVERS_PER_NETWORK) {
        problems.push(problem("workerCount", workers,
            `${cp} servers + ${workers} agents = ${cp + workers} exceeds Hetzner's limit of ${HETZNER_MAX_SERVERS_PER_NETWORK} servers per private network; accepted: controlPlaneCount + workerCount <= ${HETZNER_MAX_SERVERS_PER_NETWORK}`));
    }
    return problems;
};
