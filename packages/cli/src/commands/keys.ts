import { InvalidParameterError } from '@facerec/core';
import { DEFAULT_TENANT_NAME, findKeyTenant, findOrCreateTenant, findTenantByName, listTenants, loadGatewayConfig, openOperatorContext, type OperatorContext } from '@facerec/gateway';
import { parse, type Command } from './command.js';

const USAGE = 'facerec keys create [--tenant NAME] [--name LABEL] | keys list [--tenant NAME] | keys revoke <accessKeyId>';

export const keysCommand: Command = {
  summary: 'create (secret printed once), list or revoke API keys; a new --tenant NAME is created on first use',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, { tenant: { type: 'string' }, name: { type: 'string' } }, USAGE);
    const [action, ...rest] = positionals;
    if (!['create', 'list', 'revoke'].includes(action ?? '')) throw new InvalidParameterError(`usage: ${USAGE}`);
    const context = await openOperatorContext(loadGatewayConfig());
    try {
      switch (action) {
        case 'create':
          return await create(context, values.tenant ?? DEFAULT_TENANT_NAME, values.name ?? 'cli');
        case 'list':
          return await list(context, values.tenant);
        case 'revoke':
          if (rest.length !== 1) throw new InvalidParameterError(`usage: ${USAGE}`);
          return await revoke(context, rest[0]);
        default:
          throw new InvalidParameterError(`usage: ${USAGE}`);
      }
    } finally {
      await context.close();
    }
  },
};

async function create(context: OperatorContext, tenantName: string, label: string): Promise<number> {
  const tenant = await findOrCreateTenant(context, tenantName);
  const key = await context.repos.apiKeys.create(tenant.id, label);
  if (tenant.created) process.stderr.write(`created tenant "${tenant.name}" (${tenant.id})\n`);
  process.stderr.write('The secret is shown once and cannot be recovered: store it now.\n');
  process.stdout.write(`AWS_ACCESS_KEY_ID=${key.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
  return 0;
}

async function list(context: OperatorContext, tenantName: string | undefined): Promise<number> {
  const tenants = tenantName === undefined ? await listTenants(context) : [await findTenantByName(context, tenantName)];
  for (const tenant of tenants) {
    if (!tenant) throw new InvalidParameterError(`no tenant named "${tenantName}"`);
    for (const key of await context.repos.apiKeys.list(tenant.id)) {
      const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
      process.stdout.write(`${key.accessKeyId}  ${tenant.name.padEnd(20)}  ${key.name.padEnd(16)}  created ${key.createdAt.toISOString()}  ${state}\n`);
    }
  }
  return 0;
}

async function revoke(context: OperatorContext, accessKeyId: string): Promise<number> {
  const tenantId = await findKeyTenant(context, accessKeyId);
  if (!tenantId) throw new InvalidParameterError(`no access key ${accessKeyId}`);
  await context.repos.apiKeys.revoke(tenantId, accessKeyId);
  process.stdout.write(`revoked ${accessKeyId}\n`);
  return 0;
}
