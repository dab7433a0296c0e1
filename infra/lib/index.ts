export { FacerecStack, type FacerecStackProps } from './facerec-stack.js';
export { buildApp, readCdkJsonContext, settingsFromContext, InfraConfigError, INFRA_DIR, STACK_NAME, type BuiltApp, type Context } from './app.js';
export { workerBootCommands, workerUserData, WORKER_STOP_SECONDS, type WorkerBootOptions, type SecretRef } from './worker-user-data.js';
export * from './settings.js';
