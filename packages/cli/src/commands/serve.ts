import { closeOnSignals, loadGatewayConfig, startGateway } from '@facerec/gateway';
import { parse, type Command } from './command.js';

const USAGE = 'facerec serve [--port N] [--host ADDRESS]   (all other settings from the environment: see .env.example)';

export const serveCommand: Command = {
  summary: 'start the HTTP gateway (AWS Rekognition JSON protocol at /, REST at /api/v1) until SIGTERM/SIGINT',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, { port: { type: 'string' }, host: { type: 'string' } }, USAGE);
    const env = { ...process.env };
    if (values.port !== undefined) env.PORT = values.port;
    if (values.host !== undefined) env.HOST = values.host;
    const gateway = await startGateway(loadGatewayConfig(env));
    await closeOnSignals(gateway);
    return 0;
  },
};
