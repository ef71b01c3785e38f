/**
 * Pull-request code is untrusted (issue 14): the workflows are parsed and held to the security model of README
 * "Security" — forks get only the credential-free render diff; secrets reach a PR-triggered job only behind a
 * same-repository check and a GitHub environment (required reviewers), only in the steps that use them, with no
 * install scripts; ephemeral clusters never see a prod secret and prod previews never see an ephemeral one.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./harness";

const WORKFLOWS = ["ci.yml", "preview.yml", "ephemeral.yml"];
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
};

interface Job { if?: string; environment?: string | { name: string }; env?: unknown; steps: Step[]; permissions?: Record<string, string> }
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

    it("the prod preview: pulumi preview --diff of prod with a read-only Hetzner token the stack config cannot override", () => {
        const job = load("preview.yml").jobs["prod-preview"] as Job;
        assert.strictEqual(job.environment, "prod-preview");
        const step = job.steps.find(s => String(s.uses).startsWith("pulumi/actions@"))!;
        assert.deepStrictEqual([step.with!.command, step.with!["stack-name"], step.with!.diff, step.with!["comment-on-pr"], step.with!["edit-pr-comment"]],
            ["preview", "prod", true, true, true]);
        assert.match(step.env!.HCLOUD_TOKEN, /secrets\.PROD_PREVIEW_HCLOUD_TOKEN_READONLY/);
        // The hcloud provider prefers the stack's hcloud:token to HCLOUD_TOKEN: prod's stack file must not set one.
        const prod = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
        assert.ok(!("hcloud:token" in (prod.config ?? {})), "Pulumi.prod.yaml sets hcloud:token, which would override the read-only token");
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
