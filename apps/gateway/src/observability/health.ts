/**
 * /healthz: the process answers. /readyz: every dependency check passes (database reachable,
 * schema current, engine started) and the server is not draining for shutdown.
 */
import { Router } from 'express';
import { contextOf } from './request-context.js';
import type { GatewayMetrics } from './metrics.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthOptions {
  checks: readonly ReadinessCheck[];
  metrics: GatewayMetrics;
  isDraining(): boolean;
}

export function healthRouter(options: HealthOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    contextOf(res).operation = 'healthz';
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    contextOf(res).operation = 'readyz';
    const results = await runChecks(options.checks);
    const ready = !options.isDraining() && Object.values(results).every((r) => r === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', draining: options.isDraining(), checks: results });
  });
  router.get('/metrics', async (_req, res) => {
    contextOf(res).operation = 'metrics';
    res.setHeader('Content-Type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  return router;
}

async function runChecks(checks: readonly ReadinessCheck[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    checks.map(async (c): Promise<[string, string]> => {
      try {
        await c.check();
        return [c.name, 'ok'];
      } catch (error) {
        return [c.name, error instanceof Error ? error.message : String(error)];
      }
    }),
  );
  return Object.fromEntries(entries);
}
