// Mocha's spec reporter plus the plain closing line CI reads: "<N> passed, <N> failed".
"use strict";
const Mocha = require("mocha");
const Spec = Mocha.reporters.Spec;

class SpecWithTotals extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats;
            process.stdout.write(`\n${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}\n`);
        });
    }
}

module.exports = SpecWithTotals;
