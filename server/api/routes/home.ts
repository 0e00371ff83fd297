import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import '../decorators.js';

const DASHBOARD_HTML = 'dashboard.html';

export interface HomeOptions {
  /** The built editor; when absent, `/` answers a small page listing the flows. */
  editorDir?: string;
}

export const homeRoutes: FastifyPluginAsyncTypebox<HomeOptions> = async (app, options) => {
  if (options.editorDir && existsSync(options.editorDir)) {
    await app.register(fastifyStatic, { root: resolve(options.editorDir), prefix: '/' });
    // The dashboard is its own light page; like the editor's files it is public, the data it loads is not.
    if (existsSync(join(options.editorDir, DASHBOARD_HTML))) {
      const page = async (_request: unknown, reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile(DASHBOARD_HTML);
      app.get('/dashboards', { schema: { hide: true } }, page);
      app.get('/dashboards/', { schema: { hide: true } }, page);
      app.get('/dashboards/:page', { schema: { hide: true } }, page);
    }
    return;
  }
  // It lists the flows, so it is for viewers; the built editor's files (above) are public.
  app.get('/', { config: { access: 'viewer' }, schema: { hide: true } }, async (_request, reply) => {
    const rows = app.runtime.listFlows().map((f) => `<li><code>${escapeHtml(f.id)}</code> ${escapeHtml(f.name)} — ${f.state}`
      + `${f.deployedRevision === null ? '' : `, revision ${f.deployedRevision} deployed`}`
      + ` (<a href="/api/flows/${encodeURIComponent(f.id)}/status">status</a>,`
      + ` <a href="/api/flows/${encodeURIComponent(f.id)}/export">export</a>)</li>`);
    return reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice</title></head>
<body>
<h1>Sluice</h1>
<p>The editor is not built into this server yet. The API is documented at <a href="/api/docs">/api/docs</a>.</p>
<h2>Flows</h2>
${rows.length ? `<ul>\n${rows.join('\n')}\n</ul>` : '<p>No flows yet.</p>'}
<p><a href="/metrics">metrics</a> · <a href="/health">health</a></p>
</body></html>
`);
  });
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
