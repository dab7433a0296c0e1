import type { Command } from './command.js';
import { compareCommand } from './compare.js';
import { detectCommand } from './detect.js';
import { modelsCommand } from './models.js';
import { benchCommand } from './bench.js';
import { resizeCommand } from './resize.js';
import { serveCommand } from './serve.js';
import { migrateCommand } from './migrate.js';
import { keysCommand } from './keys.js';
import { reindexCommand } from './reindex.js';
import { simCommand } from './sim.js';

export const COMMANDS: Record<string, Command> = {
  models: modelsCommand,
  detect: detectCommand,
  compare: compareCommand,
  bench: benchCommand,
  resize: resizeCommand,
  serve: serveCommand,
  migrate: migrateCommand,
  keys: keysCommand,
  reindex: reindexCommand,
  sim: simCommand,
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}\n      ${c.usage}`);
  return `usage: facerec <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}
