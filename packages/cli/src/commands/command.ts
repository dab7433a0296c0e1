import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidParameterError } from '@facerec/core';

export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Parses options strictly: unknown flags are an error with the command's usage. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InvalidParameterError(`${e instanceof Error ? e.message : String(e)}\nusage: ${usage}`);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
