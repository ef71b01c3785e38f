import * as pulumi from "@pulumi/pulumi";

/**
 * A refusal that Pulumi prints as exactly its one line, also when it fails a resource input. Such an error passes
 * through @pulumi/pulumi's serializer, which prefixes `error serializing property "<key>": ` to the SAME error
 * object at every awaiter (3.270 runtime/rpc.js serializeFilteredProperties: it "rethrow[s] the *same* error so its
 * identity is preserved: our uncaught handler dedupes reported errors by identity"), so a check shared by twenty
 * commands printed twenty prefixes before the line. This message ignores those writes. The runner prints a RunError
 * as its message alone, without a stack, once per error object (cmd/run/run.js `uncaughtHandler`).
 */
export class OneLineError extends pulumi.RunError {
    constructor(line: string) {
        super(line);
        Object.defineProperty(this, "message", { get: () => line, set: () => undefined, enumerable: false, configurable: true });
    }
}
