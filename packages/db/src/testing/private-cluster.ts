/**
 * A private Postgres cluster for fault tests: Debian's binaries (`/usr/lib/postgresql/<v>/bin`),
 * `initdb` into a temporary directory, `pg_ctl` on a free port of 127.0.0.1 with trust auth. A test
 * may stop, start and restart it without touching the shared cluster on 5432 that other tests use.
 * Postgres refuses to run as root: when the tests run as root, every command runs as the
 * `postgres` user through `runuser`, and the directory is handed to that user.
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const CLUSTER_USER = 'postgres';

export interface PrivateCluster {
  host: string;
  port: number;
  /** The superuser role (trust auth, no password). */
  user: string;
  database: string;
  dataDir: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back when this resolves. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its directory. */
  destroy(): Promise<void>;
}

/** The newest installed server's bin directory, or an error naming what is missing. */
export async function findPostgresBin(): Promise<string> {
  let versions: string[];
  try {
    versions = (await readdir(PG_ROOT)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    throw new Error(`no Postgres server binaries under ${PG_ROOT} (Debian package postgresql)`);
  }
  if (versions.length === 0) throw new Error(`no Postgres server binaries under ${PG_ROOT}`);
  return path.join(PG_ROOT, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = await findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(tmpdir(), 'facerec-pg-'));
  const dataDir = path.join(dir, 'data');
  if (asRoot) {
    const owner = await uidOf(CLUSTER_USER);
    await chown(dir, owner.uid, owner.gid);
  }
  const exec = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', CLUSTER_USER, '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args));
  const user = asRoot ? CLUSTER_USER : (process.env.USER ?? 'postgres');
  await exec('initdb', ['-D', dataDir, '-A', 'trust', '-U', user, '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  // The socket goes to the cluster's own directory, so nothing collides with the system cluster's.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const ctl = (action: string, extra: string[] = []) => exec('pg_ctl', [action, '-D', dataDir, '-w', '-t', '60', '-l', path.join(dir, 'server.log'), ...extra]);
  const start = async () => void (await ctl('start', ['-o', options]));
  const stop = async () => void (await ctl('stop', ['-m', 'fast']));
  await start();
  const cluster: PrivateCluster = {
    host: '127.0.0.1',
    port,
    user,
    database: 'postgres',
    dataDir,
    start,
    stop,
    restart: async () => void (await ctl('restart', ['-m', 'fast', '-o', options])),
    destroy: async () => {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await waitReady(cluster);
  return cluster;
}

/** `pg_ctl -w` waits for the socket; this waits for a real TCP login. */
export async function waitReady(cluster: Pick<PrivateCluster, 'host' | 'port' | 'user' | 'database'>, attempts = 100): Promise<void> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    const client = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`private Postgres on ${cluster.port} did not accept logins: ${String(last)}`);
}
