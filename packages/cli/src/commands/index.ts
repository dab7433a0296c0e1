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
import { checkCommand } from './check.js';
import { simCommand } from './sim.js';
import { workerCommand } from './worker.js';
import { benchFindCommand } from './bench-find.js';
import { benchAlbumCommand } from './bench-album.js';
import { benchSoakCommand } from './bench-soak.js';
import { benchFuzzCommand } from './bench-fuzz.js';
import { benchFaultsCommand } from './bench-faults.js';

/** `bench find|make-gallery|album|soak` are the album benches, `bench fuzz` the security one, `bench faults` the long fault runs; the other kinds stay with `bench`. */
const benchWithAlbums: Command = {
  summary: benchCommand.summary + '; album search accuracy (find, make-gallery), ingestion throughput (album) and searches during ingestion (soak)',
  usage: [benchCommand.usage, benchFindCommand.usage, benchAlbumCommand.usage, benchSoakCommand.usage, benchFuzzCommand.usage, benchFaultsCommand.usage].join('\n       '),
  run(args) {
    if (args[0] === 'find' || args[0] === 'make-gallery') return benchFindCommand.run(args);
    if (args[0] === 'album') return benchAlbumCommand.run(args.slice(1));
    if (args[0] === 'soak') return benchSoakCommand.run(args.slice(1));
    if (args[0] === 'fuzz') return benchFuzzCommand.run(args.slice(1));
    if (args[0] === 'faults') return benchFaultsCommand.run(args.slice(1));
    return benchCommand.run(args);
  },
};

export const COMMANDS: Record<string, Command> = {
  models: modelsCommand,
  detect: detectCommand,
  compare: compareCommand,
  bench: benchWithAlbums,
  resize: resizeCommand,
  serve: serveCommand,
  migrate: migrateCommand,
  keys: keysCommand,
  reindex: reindexCommand,
  check: checkCommand,
  sim: simCommand,
  worker: workerCommand,
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}\n      ${c.usage}`);
  return `usage: facerec <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}
