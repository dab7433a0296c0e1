/**
 * Just enough of a Dockerfile reader for static checks (no Docker engine runs here): line
 * continuations joined, comments dropped, instructions grouped by build stage, ARG defaults
 * substituted into FROM.
 */

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Map<string, string>;
  stages: Stage[];
}

export function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    lines.push((current + line).trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space).trim();
    if (keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`bad FROM: ${line}`);
      stages.push({ name: m[2], from: substitute(m[1], globalArgs), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword !== 'ARG') throw new Error(`${keyword} before the first FROM`);
      const [name, value = ''] = args.split('=', 2);
      globalArgs.set(name, value);
      continue;
    }
    stage.instructions.push({ keyword, args });
  }
  return { globalArgs, stages };
}

function substitute(text: string, args: Map<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args.get((a ?? b) as string) ?? '');
}

export function stage(file: Dockerfile, name: string): Stage {
  const found = file.stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage "${name}"`);
  return found;
}

export function instructions(s: Stage, keyword: string): string[] {
  return s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** The stage a stage builds on (FROM another stage), or undefined for an image. */
export function parentStage(file: Dockerfile, s: Stage): Stage | undefined {
  return file.stages.find((other) => other.name === s.from);
}
