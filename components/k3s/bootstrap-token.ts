/**
 * First-boot agents join with a k3s bootstrap token, not the agent token (issue #14). Hetzner serves user data
 * without authentication at http://169.254.169.254/hetzner/v1/userdata for the machine's whole life, and the
 * metadata deny policy drops it for pods only once Cilium enforces; so the user data must carry only a credential
 * that is worthless after the join window. A bootstrap token is: it is a Kubernetes bootstrap-token Secret the
 * first server registers with a TTL right before agents are expected to join (agents-joined.sh), and agents-joined.sh
 * deletes it once every agent is registered (`k3s token delete <id>`); after a failed wait the tokencleaner deletes it
 * when it expires.
 *
 * Upstream facts relied on (k3s-io/k3s; the router and token code are unchanged in this respect since v1.26,
 * the pinned v1.33.5+k3s1 included):
 * - docs/adrs/agent-join-token.md @b8947eb: bootstrap token Secrets join agents (never servers); k3s enables the
 *   tokencleaner; "K3s agent bootstrap functionality will allow a agent to connect the cluster using existing Node
 *   Authorization to authenticate to the cluster during startup, even after its join token has been invalidated",
 *   and NOT once its Node object has been deleted.
 * - pkg/clientaccess/token.go @0566d45 `parseToken`: a token without the `K10` prefix that parses as a bootstrap
 *   token string (k8s.io/cluster-bootstrap `[a-z0-9]{6}.[a-z0-9]{16}`) is accepted as is and sent as
 *   `Authorization: Bearer` (`get`/`put`); like the agent token before it (a bare password), it carries no CA hash.
 * - pkg/server/handlers/router.go @1be7bd2: the agent routes (config, certificates, apiservers) accept
 *   `system:bootstrappers` (bootstrapapi.BootstrapDefaultGroup) besides `system:nodes`.
 * - After the join, the agent authenticates with its kubelet client certificate: every supervisor client is built
 *   with clientaccess.WithClientCertificate(<data-dir>/agent/client-kubelet.crt, .key) (pkg/agent/config/config.go
 *   `get`, pkg/cli/agent createProxyAndValidateToken), the supervisor's authenticator is a union (any one
 *   succeeds) of basic auth, x509 client certs and the apiserver's (pkg/authenticator/authenticator.go
 *   `FromArgs`/`Combine`, union.New), and pkg/nodepassword/validate.go @2a722cf checks that a client-cert
 *   ("node identity") request names its own node. So restarts and reboots after the token expired keep working.
 *   pkg/agent/config/config.go (main) `getNodeNamedCrt` falls back from the client
 *   certificate to the token only on a 401 ("when the node resource is deleted").
 * - An agent that boots before the token is registered keeps asking: config.Get retries `get` every ~5 s (jittered)
 *   until the server answers ("Waiting to retrieve agent configuration; server is not ready"), so it joins as soon as
 *   agents-joined.sh registered the token, within first-boot.sh's start bound (FIRST_BOOT_START_TIMEOUT_SECONDS).
 * - pkg/cli/token/token.go @0678ae9 `create`: a chosen token is accepted (`k3s token create [token]`, kubeadm
 *   NewBootstrapTokenString); an existing id is refused ("a token with id %q already exists"); `delete` takes the id.
 *   pkg/cli/cmds/token.go @0208f16: `--ttl` (a Go duration) and `--description` flags, SkipArgReorder, so the flags
 *   come before the token argument.
 */

/** k8s.io/cluster-bootstrap/token/api BootstrapTokenPattern: `<id>.<secret>`, lower-case letters and digits. */
export const BOOTSTRAP_TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** Characters of the random value a bootstrap token is made of (6 for the id, 16 for the secret). */
export const BOOTSTRAP_TOKEN_RANDOM_LENGTH = 22;

/**
 * How long a registered bootstrap token lives. It must outlast everything that joins with it after agents-joined.sh
 * registered it: an agent whose machine was just created (booting, installing, then k3s-agent retrying until the
 * token exists) and the program's own wait (AGENTS_JOINED_TIMEOUT_SECONDS, 15 min). One hour is four times that
 * wait and a small fraction of k3s' default (24 h, pkg/cli/cmds/token.go); the tokencleaner deletes it after.
 */
export const BOOTSTRAP_TOKEN_TTL_SECONDS = 3600;

/**
 * The bootstrap token made of a random value of BOOTSTRAP_TOKEN_RANDOM_LENGTH lower-case letters and digits: `<id>.<secret>`.
 * Not checked here: the value's format is guaranteed where it is made, K3sCluster's RandomString (length 22, only
 * `lower` and `numeric`; hashicorp/terraform-provider-random internal/random/string.go @04572027 `CreateString` draws
 * from the enabled classes only, min_* default 0 in internal/provider/resource_string.go; held by test/k3s.test.ts),
 * and checked again where it is used: firstBootConfig (user data) and valid_token (components/shared/scripts/bootstrap-token.sh).
 */
export function bootstrapToken(random: string): string {
    return `${random.slice(0, 6)}.${random.slice(6)}`;
}
