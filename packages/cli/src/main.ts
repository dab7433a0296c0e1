#!/usr/bin/env node
// `facerec` — the command line: models, detect, compare, bench, serve, migrate, keys…
import { isFacerecError } from '@facerec/core';
import { COMMANDS, usage } from './commands/index.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`facerec: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    const kind = isFacerecError(e) ? `${e.kind}: ` : '';
    process.stderr.write(`facerec: ${kind}${message}\n`);
    process.exitCode = 1;
  },
);
