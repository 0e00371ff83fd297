import { bool, num, slug, str, type NrNode } from '../model.js';
import { done, needsHand, source, type TranslateContext, type Translation } from './types.js';

/**
 * The connection settings of an mqtt-broker config node. Credentials become secret references named after
 * the broker (`mqtt_<broker>_user`, `…_password`); their values, if the export holds any, are never copied.
 */
function connection(n: NrNode, ctx: TranslateContext, notes: string[]): { [k: string]: unknown } | string {
  const broker = ctx.configNode(n.broker);
  if (!broker) return `its mqtt-broker config node "${str(n.broker)}" is not in the export`;
  const host = str(broker.broker, 'localhost');
  const tls = bool(broker.usetls);
  const url = /^(mqtts?|wss?):\/\//.test(host) ? host : `${tls ? 'mqtts' : 'mqtt'}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${num(broker.port, tls ? 8883 : 1883)}`;
  const version = str(broker.protocolVersion, '4');
  if (version === '3') notes.push('MQTT 3.1 becomes 3.1.1');
  if (tls && broker.tls) notes.push(`TLS settings of the tls-config node "${str(broker.tls)}" are not carried over: set tls.ca, tls.cert and tls.key`);
  const name = slug(str(broker.name) || host, 'broker').replace(/-/g, '_');
  const creds = broker.credentials as { user?: unknown; password?: unknown } | undefined;
  const login = creds && typeof creds === 'object' && (str(creds.user) !== '' || str(creds.password) !== '');
  return {
    url, protocolVersion: version === '5' ? 5 : 4, keepaliveS: Math.min(65_535, Math.max(0, Math.floor(num(broker.keepalive, 60)))),
    ...(login ? {
      username: ctx.secret(`mqtt_${name}_user`, `user name of the MQTT broker "${str(broker.name) || host}"`),
      password: ctx.secret(`mqtt_${name}_password`, `password of the MQTT broker "${str(broker.name) || host}"`),
    } : {}),
  };
}

const PAYLOADS: { [t: string]: string } = { 'auto-detect': 'auto-detect', auto: 'text', utf8: 'text', json: 'json', base64: 'base64', buffer: 'base64' };

/** mqtt in: the same subscription, each message a record `{ topic, payload, qos, retain }`. */
export function mqttIn(n: NrNode, ctx: TranslateContext): Translation {
  if (num(n.inputs, 0) > 0) return needsHand('dynamic subscriptions (an mqtt in with an input, driven by msg.action) are not supported');
  const topic = str(n.topic);
  if (topic === '') return needsHand('it has no topic');
  const notes: string[] = [];
  const conn = connection(n, ctx, notes);
  if (typeof conn === 'string') return needsHand(conn);
  const datatype = str(n.datatype, 'auto-detect');
  if (datatype === 'buffer') notes.push('a Buffer payload becomes its base64 text');
  if (/[{}]/.test(topic)) notes.push('braces in the topic name a field in Sluice topics');
  return source('mqtt-in', { ...conn, topics: [topic], qos: Math.min(2, Math.max(0, Math.floor(num(n.qos, 2)))), format: 'message', messagePayload: PAYLOADS[datatype] ?? 'auto-detect' }, notes);
}

/** mqtt out: the payload of each record to its topic (the node's, or the record's `topic`). */
export function mqttOut(n: NrNode, ctx: TranslateContext): Translation {
  const notes: string[] = [];
  const conn = connection(n, ctx, notes);
  if (typeof conn === 'string') return needsHand(conn);
  const topic = str(n.topic);
  if (str(n.qos) === '') notes.push('QoS is 0 for every message (Node-RED takes msg.qos when the node leaves it blank)');
  if (str(n.retain) === '') notes.push('retain is off for every message (Node-RED takes msg.retain when the node leaves it blank)');
  return done('mqtt-out', {
    ...conn, ...(topic === '' ? { topic: 'unused', topicField: 'topic' } : { topic }), qos: Math.min(2, Math.max(0, Math.floor(num(n.qos, 0)))),
    retain: bool(n.retain), payloadField: 'payload',
  }, notes);
}
