// Time aws-local-stepfunctions on one workload; prints {"seconds": best-of-R, "runs": N}.
//   node als_run.mjs DEFINITION_JSON INPUT_JSON EXECUTIONS REPEATS    (ALS_DIR: where it is installed)
import { createRequire } from 'module';
import path from 'path';

// The package wants node >= 22 for Promise.withResolvers; give older nodes the same function.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
const require = createRequire(path.join(process.env.ALS_DIR, 'node_modules', 'x.js'));
const { StateMachine } = require('aws-local-stepfunctions');

const [definition, input, executions, repeats] = [JSON.parse(process.argv[2]), JSON.parse(process.argv[3]),
  +process.argv[4], +process.argv[5]];
const sm = new StateMachine(definition, { validationOptions: { checkArn: false } });
let best = Infinity;
let output = null;
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  for (let i = 0; i < executions; i++) output = await sm.run(input).result;
  best = Math.min(best, performance.now() - t0);
}
console.log(JSON.stringify({ seconds: best / 1000, executions, output }));
