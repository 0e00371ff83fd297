import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { flowMaps, makeWire, nextOrder, nodeToY, readFlow, wireKey } from '../server/collab/flow-ydoc.js';
import { awarenessMessage, handleMessage, syncStep1, updateMessage } from '../server/collab/protocol.js';
import { draft, openApp, type AuthHeaders, type TestContext } from './helpers/api-app.js';
import { waitFor } from './helpers/wait.js';

/** A tab of the editor, reduced to its Yjs document and presence over a real WebSocket. */
class Peer {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  synced = false;
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly socket: WebSocket) {}

  static async connect(t: TestContext, target: { url: string; headers: AuthHeaders }): Promise<Peer> {
    const peer = new Peer(new WebSocket(target.url, { headers: target.headers }));
    t.after(() => {
      peer.socket.close();
      // Awareness runs a timer to expire stale peers: a tab that is gone must stop it.
      peer.awareness.destroy();
      peer.doc.destroy();
    });
    const { socket, doc, awareness } = peer;
    socket.on('message', (data: Buffer) => {
      const reply = handleMessage(new Uint8Array(data), doc, awareness, peer);
      if (reply) socket.send(reply);
      peer.synced ||= doc.share.has('nodes');
    });
    socket.on('close', (code, reason) => { peer.closed = { code, reason: reason.toString() }; });
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== peer && socket.readyState === WebSocket.OPEN) socket.send(updateMessage(update));
    });
    awareness.on('update', ({ added, updated }: { added: number[]; updated: number[] }, origin: unknown) => {
      if (origin !== peer && socket.readyState === WebSocket.OPEN) socket.send(awarenessMessage(awareness, [...added, ...updated]));
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('close', () => resolve());
    });
    if (socket.readyState === WebSocket.OPEN) socket.send(syncStep1(doc));
    return peer;
  }

  nodeIds(): string[] {
    return readFlow(this.doc).nodes.map((n) => n.id).sort();
  }

  addNode(id: string, type: string): void {
    const { nodes } = flowMaps(this.doc);
    this.doc.transact(() => nodes.set(id, nodeToY({ id, type, position: { x: 0, y: 0 } }, nextOrder(nodes))));
  }
}

async function serve(t: TestContext) {
  const { app, runtime, auth, tokenFor } = await openApp(t, { collab: { saveDelayMs: 20 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, runtime, tokenFor, url: (flowId: string) => ({ url: `ws://127.0.0.1:${port}/api/flows/${flowId}/collab`, headers: auth }) };
}

test('two editors of one flow converge, and the shared draft is saved as a draft revision', async (t) => {
  const { runtime, url } = await serve(t);
  runtime.saveDraft(draft('shared'));
  const a = await Peer.connect(t, url('shared'));
  const b = await Peer.connect(t, url('shared'));
  await waitFor('both synced with the stored draft', () => a.nodeIds().length === 2 && b.nodeIds().length === 2);
  assert.deepEqual(a.nodeIds(), ['show', 'sim']);

  // Concurrent edits: each adds a node, both wire them, and they edit different fields of one node's config.
  a.addNode('check', 'validate');
  b.addNode('count', 'debug');
  const wire = makeWire('sim', 'out', 'check', 'in');
  a.doc.transact(() => flowMaps(a.doc).wires.set(wireKey(wire), wire));
  b.doc.transact(() => flowMaps(b.doc).wires.set(wireKey(wire), { from: 'sim:out', to: 'check' }));
  (flowMaps(a.doc).nodes.get('sim')!.get('config') as Y.Map<unknown>).set('sensors', 7);
  (flowMaps(b.doc).nodes.get('sim')!.get('config') as Y.Map<unknown>).set('ratePerSecond', 5);

  await waitFor('both replicas to hold four nodes', () => a.nodeIds().length === 4 && b.nodeIds().length === 4);
  await waitFor('identical documents', () => JSON.stringify(readFlow(a.doc)) === JSON.stringify(readFlow(b.doc)));
  const flow = readFlow(a.doc);
  assert.deepEqual(flow.nodes.find((n) => n.id === 'sim')?.config, { sensors: 7, ratePerSecond: 5, batchMs: 20 });
  assert.equal(flow.wires.filter((w) => wireKey(w) === 'sim:out->check:in').length, 1, 'the same wire added twice is one wire');

  await waitFor('the draft saved to the flow store', () => runtime.getDraft('shared')!.doc.nodes.length === 4);
  assert.deepEqual(runtime.getDraft('shared')!.doc, flow);
});

test('presence (awareness) of one editor reaches the others and leaves with it', async (t) => {
  const { runtime, url } = await serve(t);
  runtime.saveDraft(draft('presence'));
  const a = await Peer.connect(t, url('presence'));
  const b = await Peer.connect(t, url('presence'));
  a.awareness.setLocalState({ user: { name: 'Ana' }, selection: ['sim'] });
  await waitFor('Ana seen by the other tab', () => [...b.awareness.getStates().values()].some((s) => (s.user as { name?: string } | undefined)?.name === 'Ana'));
  a.socket.close();
  await waitFor('Ana gone', () => b.awareness.getStates().get(a.doc.clientID) === undefined);
});

test('the shared document outlives the room: edits are in the data directory when everyone has left', async (t) => {
  const { runtime, url } = await serve(t);
  runtime.saveDraft(draft('kept'));
  const a = await Peer.connect(t, url('kept'));
  await waitFor('synced', () => a.nodeIds().length === 2);
  a.addNode('later', 'debug');
  await waitFor('the draft saved', () => runtime.getDraft('kept')!.doc.nodes.length === 3);
  a.socket.close();
  await waitFor('the update stored', () => (runtime.collab.load('kept')?.updates.length ?? 0) >= 1);

  const b = await Peer.connect(t, url('kept'));
  await waitFor('the reopened room has the node', () => b.nodeIds().includes('later'));
  // The room continues the same Yjs history rather than reseeding: the node keeps its Yjs identity.
  assert.deepEqual(b.nodeIds(), ['later', 'show', 'sim']);
});

test('a draft stored through the API while the flow is open replaces the shared document', async (t) => {
  const { app, runtime, url } = await serve(t);
  runtime.saveDraft(draft('external'));
  const a = await Peer.connect(t, url('external'));
  await waitFor('synced', () => a.nodeIds().length === 2);
  const replaced = { ...draft('external'), nodes: [{ id: 'only', type: 'debug' }], wires: [] };
  const res = await app.inject({ method: 'PUT', url: '/api/flows/external', payload: replaced });
  assert.equal(res.statusCode, 200);
  await waitFor('the open editor to show the new draft', () => a.nodeIds().join() === 'only', 10_000);
});

test('a flow that does not exist closes the socket with 4404', async (t) => {
  const { url } = await serve(t);
  const a = await Peer.connect(t, url('nope'));
  await waitFor('the close', () => a.closed);
  assert.equal(a.closed!.code, 4404);
  assert.match(a.closed!.reason, /flow "nope" does not exist/);
});

test('a viewer follows the shared draft live, but its edits are not applied', async (t) => {
  const { runtime, url, tokenFor } = await serve(t);
  runtime.saveDraft(draft('watched'));
  const editor = await Peer.connect(t, url('watched'));
  const viewer = await Peer.connect(t, { ...url('watched'), headers: tokenFor(['viewer']) });
  await waitFor('both synced', () => editor.nodeIds().length === 2 && viewer.nodeIds().length === 2);
  viewer.addNode('sneaky', 'debug');
  editor.addNode('added', 'debug');
  await waitFor('the viewer to see the editor\'s node', () => viewer.nodeIds().includes('added'));
  await waitFor('the draft saved with the editor\'s node', () => runtime.getDraft('watched')!.doc.nodes.some((n) => n.id === 'added'));
  assert.deepEqual(runtime.getDraft('watched')!.doc.nodes.map((n) => n.id).sort(), ['added', 'show', 'sim']);
  assert.deepEqual(editor.nodeIds(), ['added', 'show', 'sim'], 'the viewer\'s node reached nobody');
  assert.equal(viewer.closed, null, 'the viewer stays connected');
});
