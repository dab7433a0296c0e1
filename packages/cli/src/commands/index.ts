import type { Command } from './command.js';
import { compareCommand } from './compare.js';
import { detectCommand } from './detect.js';
import { modelsCommand } from './models.js';
import { benchCommand } from './bench.js';
import { resizeCommand } from './resize.js';

export const COMMANDS: Record<string, Command> = {
  models: modelsCommand,
  detect: detectCommand,
  compare: compareCommand,
  bench: benchCommand,
  resize: resizeCommand,
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}\n      ${c.usage}`);
  return `usage: facerec <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}
