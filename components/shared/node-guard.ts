/**
 * Imported first by index.ts: refuses to run on a Node.js older than package.json's `engines.node`, with one
 * message (a RunError: Pulumi prints its message without a stack trace, @pulumi/pulumi cmd/run/run.js).
 */
import { RunError } from "@pulumi/pulumi/errors";
import { nodeVersionProblem, requiredNode } from "./node-version";

const problem = nodeVersionProblem({ version: process.version, execPath: process.execPath }, requiredNode());
if (problem) throw new RunError(problem);
