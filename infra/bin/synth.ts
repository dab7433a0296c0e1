// Synthesizes the stack into infra/cdk.out without the CDK CLI or AWS credentials (`pnpm --filter @facerec/infra synth`).
import { buildApp } from '../lib/app.js';

const { app, stack } = buildApp();
const assembly = app.synth();
process.stdout.write(`synthesized ${stack.stackName} (${stack.account}/${stack.region}) into ${assembly.directory}\n`);
