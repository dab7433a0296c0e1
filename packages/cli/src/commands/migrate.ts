import { InvalidParameterError } from '@facerec/core';
import { connect, createMigrationFile, migrateDown, migrateUp, migrationHistory, type MigrationStep } from '@facerec/db';
import { loadGatewayConfig } from '@facerec/gateway';
import { parse, type Command } from './command.js';

const USAGE = 'facerec migrate up|down|history|new <name>';

export const migrateCommand: Command = {
  summary: 'apply, revert (one step) or list database migrations, or create a new migration file',
  usage: USAGE,
  async run(args) {
    const { positionals } = parse(args, {}, USAGE);
    const [action, ...rest] = positionals;
    if (action === 'new') {
      if (rest.length !== 1) throw new InvalidParameterError(`usage: ${USAGE}`);
      process.stdout.write(`created ${await createMigrationFile(rest[0])}\n`);
      return 0;
    }
    if (action !== 'up' && action !== 'down' && action !== 'history') throw new InvalidParameterError(`usage: ${USAGE}`);
    if (rest.length > 0) throw new InvalidParameterError(`usage: ${USAGE}`);
    const connection = await connect(loadGatewayConfig().database);
    try {
      if (action === 'history') {
        for (const entry of await migrationHistory(connection.db)) {
          const state = entry.executedAt ? `applied ${entry.executedAt.toISOString()}` : 'pending';
          process.stdout.write(`${entry.name.padEnd(40)} ${state}${entry.known ? '' : '  (unknown to this version)'}\n`);
        }
        return 0;
      }
      const steps = action === 'up' ? await migrateUp(connection.db) : await migrateDown(connection.db);
      printSteps(steps, action);
      return 0;
    } finally {
      await connection.close();
    }
  },
};

function printSteps(steps: readonly MigrationStep[], action: 'up' | 'down'): void {
  if (steps.length === 0) process.stdout.write(action === 'up' ? 'database is up to date\n' : 'nothing to revert\n');
  for (const step of steps) process.stdout.write(`${step.direction === 'Up' ? 'applied ' : 'reverted'} ${step.name}\n`);
}
