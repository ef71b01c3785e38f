/**
 * The tests' entry to the program evaluator. The evaluator itself (mocks, graph recorder, stack-file reading)
 * lives in tools/, which `npm run render`, `npm run ephemeral` and the benchmark use too: tools never import tests.
 */
export * from "../tools/evaluate";
