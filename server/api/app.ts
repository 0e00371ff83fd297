import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger as Pino } from 'pino';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { accessControl, withAccess } from '../auth/access-plugin.js';
import type { RuntimeApi } from '../runtime/api.js';
import { errorHandler } from './error-handler.js';
import { redactAnswers } from './redact-answers.js';
import { JSON_BODY_LIMIT, jsonBody } from './json-body.js';
import type { FeedLimits } from './live/connection-feed.js';
import { alertRoutes } from './routes/alerts.js';
import { authRoutes, type AuthRouteOptions } from './routes/auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { clusterRoutes } from './routes/cluster.js';
import { collabRoutes, type CollabOptions } from './routes/collab.js';
import { dashboardLiveRoutes } from './routes/dashboard-live.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { debugRoutes } from './routes/debug.js';
import { deployRoutes } from './routes/deploy.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes } from './routes/health.js';
import { homeRoutes } from './routes/home.js';
import { importRoutes } from './routes/import.js';
import { ingestRoutes } from './routes/ingest.js';
import { journalRoutes } from './routes/journal.js';
import { liveRoutes } from './routes/live.js';
import { reportRoutes } from './routes/reports.js';
import { secretRoutes } from './routes/secrets.js';
import { nodeQueryRoutes, statusRoutes } from './routes/status.js';
import { validatorCompiler } from './validator.js';
import { keepAlive, preCloseWebSockets } from './websocket-lifecycle.js';
import './decorators.js';

export interface AppOptions {
  /** fastify's logger option: false (default), true, or pino options such as `{ level: 'warn' }`. */
  logger?: FastifyServerOptions['logger'];
  /** A pino logger to log through instead (the server's own, shared with the runtime); wins over `logger`. */
  loggerInstance?: Pino;
  /** The built editor, served at `/` when the directory exists. */
  editorDir?: string;
  /** Throttling of the WebSocket feed (tests shorten it). */
  live?: { limits?: FeedLimits; countersEveryMs?: number };
  /** Shared drafts (tests shorten the save delay). */
  collab?: CollabOptions;
  /** A bearer token accepted as admin without being stored (`SLUICE_ADMIN_TOKEN`, for CI and automation). */
  adminToken?: string;
  /** Serve HTTPS with this certificate and key (PEM); session cookies are then marked Secure. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Login throttling (tests lower it). */
  auth?: AuthRouteOptions;
}

/** The HTTP face of a runtime. It owns no state of its own: closing it leaves the runtime open. */
export async function buildApp(runtime: RuntimeApi, options: AppOptions = {}): Promise<FastifyInstance> {
  const logging = options.loggerInstance
    // A line per request (the editor polls every few seconds) only when asked for with --log-level debug.
    ? {
      loggerInstance: options.loggerInstance as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: !options.loggerInstance.isLevelEnabled('debug') }),
    }
    : { logger: options.logger ?? false };
  const app = Fastify({
    ...logging, bodyLimit: JSON_BODY_LIMIT, ...(options.https ? { https: options.https } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.decorate('runtime', runtime);

  await app.register(errorHandler);
  // First: every route registered after it must declare its access (server/auth/access-plugin.ts).
  await app.register(accessControl, { store: runtime.auth, adminToken: options.adminToken });
  await app.register(redactAnswers);
  await app.register(jsonBody);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Sluice',
        description: 'Flow-based ingestion runtime: flows, deploys, dead letters, journal exports, live status.\n\n'
          + 'Live updates: WebSocket `GET /api/ws` pushes JSON messages `{type:"status", flowId, nodeId, status}`, '
          + '`{type:"debug", flowId, nodeId, at, value}` (at most 20 per second; the rest are reported as '
          + '`{type:"debug-dropped", count}`) and `{type:"counters", flowId, nodes}` every second. Send '
          + '`{"type":"subscribe","flowId":"<id>"}` to receive one flow only (`null` for all).\n\n'
          + 'Dashboards: WebSocket `GET /api/dashboards/:page/live` pushes `{type:"widget", flowId, nodeId, at, data}` (a widget\'s '
          + 'new points or rows, throttled per widget), `{type:"widget-status", flowId, nodeId, status}` and `{type:"resync", flowId, nodeId}` '
          + '(updates were dropped on a slow connection: fetch the widget again). A page opened from a shared link offers its token as the '
          + 'subprotocol `bearer.<token>`.\n\n'
          + 'Access: `Authorization: Bearer <API token>` (scripts, CI, external read tokens), or the editor\'s session '
          + 'cookie from `POST /api/login` with `X-CSRF-Token` on unsafe methods. Roles: viewer < editor < admin.',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`sluice token create`) or SLUICE_ADMIN_TOKEN.' },
          session: { type: 'apiKey', in: 'cookie', name: 'sluice_session', description: 'From POST /api/login; unsafe methods also need X-CSRF-Token.' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      tags: [
        { name: 'catalog' }, { name: 'flows' }, { name: 'deploy' }, { name: 'status' }, { name: 'dead letters' },
        { name: 'journal' }, { name: 'secrets' }, { name: 'ingest' }, { name: 'alerts' }, { name: 'reports' }, { name: 'dashboards' }, { name: 'operations' }, { name: 'access' },
      ],
    },
  });
  // The API's description is public; what it describes is not.
  await withAccess(app, 'public', (scope) => scope.register(fastifySwaggerUi, { routePrefix: '/api/docs' }));
  // A collaboration update can carry a whole imported flow, as large as a flow document body.
  await app.register(fastifyWebsocket, { options: { maxPayload: JSON_BODY_LIMIT }, preClose: preCloseWebSockets });
  const stopKeepAlive = keepAlive(app.websocketServer);
  app.addHook('onClose', async () => stopKeepAlive());

  await app.register(authRoutes, options.auth ?? {});
  await app.register(healthRoutes);
  await app.register(clusterRoutes);
  await app.register(catalogRoutes);
  await app.register(flowRoutes);
  await app.register(importRoutes);
  await app.register(deployRoutes);
  await app.register(statusRoutes);
  await app.register(nodeQueryRoutes);
  await app.register(ingestRoutes);
  await app.register(deadLetterRoutes);
  await app.register(journalRoutes);
  await app.register(debugRoutes);
  await app.register(secretRoutes);
  await app.register(alertRoutes);
  await app.register(reportRoutes);
  await app.register(liveRoutes, options.live ?? {});
  await app.register(collabRoutes, options.collab ?? {});
  await app.register(dashboardRoutes);
  await app.register(dashboardLiveRoutes);
  // The editor's files are public (the login page is one of them); the data they load is not.
  await withAccess(app, 'public', (scope) => scope.register(homeRoutes, { editorDir: options.editorDir }));
  await app.ready();
  return app;
}
