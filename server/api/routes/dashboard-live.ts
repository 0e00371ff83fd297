import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WebSocket } from 'ws';
import { isPageName } from '../../core/page-name.js';
import { WidgetHub, type DashboardMessage } from '../live/widget-feed.js';
import '../decorators.js';

/**
 * GET /api/dashboards/:page/live: the page's widget updates and statuses, for the page's viewers and its
 * shared links (a browser offers the link's token as the subprotocol `bearer.<token>`).
 */
export const dashboardLiveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = new WidgetHub(app.runtime);
  app.addHook('onClose', async () => hub.close());

  app.get<{ Params: { page: string } }>('/api/dashboards/:page/live', { websocket: true, config: { access: { scope: 'dashboard' } } }, (socket, request) => {
    const { page } = request.params;
    if (!isPageName(page)) {
      socket.close(1008, 'not a dashboard page name');
      return;
    }
    const send = (message: DashboardMessage): boolean => {
      if (socket.readyState !== WebSocket.OPEN) return false;
      socket.send(app.runtime.redact(JSON.stringify(message)));
      return true;
    };
    const remove = hub.add(page, send, () => socket.bufferedAmount);
    socket.on('close', remove);
    socket.on('error', (err) => {
      request.log.warn({ err }, 'dashboard websocket error');
      remove();
    });
  });
};
