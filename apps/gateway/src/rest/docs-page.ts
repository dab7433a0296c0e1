/**
 * /api/v1/docs: a self-contained HTML rendering of the OpenAPI document (no scripts, no CDN; the
 * server may have no internet).
 */
type Json = Record<string, unknown>;

export function docsPage(document: Json): string {
  const info = document.info as { title: string; description: string };
  const paths = document.paths as Record<string, Record<string, Json>>;
  const sections = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => operationSection(method, path, op)),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:bold;text-transform:uppercase}
code{background:#f4f4f4;padding:0 .2rem}
table{border-collapse:collapse}td,th{padding:.15rem .6rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>${escape(info.title)}</h1>
<p>${escape(info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;accessKeyId&gt;:&lt;secretAccessKey&gt;</code>.
Errors are <code>{"code", "message", "requestId"}</code> with Rekognition error names.
Machine-readable: <a href="openapi.json">openapi.json</a>.</p>
${sections.join('\n')}
</body></html>
`;
}

function operationSection(method: string, path: string, op: Json): string {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const body = op.requestBody as { content: Record<string, { schema: { properties: Record<string, Json>; required?: string[] } }> } | undefined;
  const rows: string[] = params.map((p) => row(String(p.name), String(p.in), (p.schema as Json).type, p.description));
  let mediaType = '';
  if (body) {
    const [type, content] = Object.entries(body.content)[0];
    mediaType = ` <small>(${escape(type)})</small>`;
    const required = new Set(content.schema.required ?? []);
    for (const [name, field] of Object.entries(content.schema.properties)) {
      const where = required.has(name) ? 'body, required' : 'body';
      rows.push(row(name, where, field.contentMediaType ? 'file' : field.type, field.description, field.default));
    }
  }
  const table = rows.length > 0 ? `<table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>${rows.join('')}</table>` : '';
  return `<section><h3><span class="m">${escape(method)}</span> <code>/api/v1${escape(path)}</code></h3>
<p>${escape(String(op.summary))} — <code>${escape(String(op.operationId))}</code>${mediaType}</p>${table}</section>`;
}

function row(name: string, where: string, type: unknown, description: unknown, fallback?: unknown): string {
  const suffix = fallback === undefined ? '' : ` (default ${String(fallback)})`;
  return `<tr><td><code>${escape(name)}</code></td><td>${escape(where)}</td><td>${escape(String(type ?? ''))}</td><td>${escape(String(description ?? ''))}${escape(suffix)}</td></tr>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
