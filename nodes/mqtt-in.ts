import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Type } from '@sinclair/typebox';
import { Store, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import { defineNode } from '../server/core/define-node.js';
import { parseJsonText, PROTOTYPE_KEYS } from '../server/core/json-text.js';
import type { ConfigProblem, DataRecord, NodeContext } from '../server/core/types.js';
import { MqttLink, clientOptions, connectionConfig, defaultClientId, type LinkState } from './mqtt/connection.js';
import { MessageJournal } from './mqtt/ingest.js';
import { payloadParser, rawPayload, type Fields } from './mqtt/payload.js';
import { topicFieldReader, topicPattern } from './mqtt/topic.js';

const config = Type.Object({
  ...connectionConfig,
  topics: Type.Array(Type.String({ minLength: 1 }), { title: 'Topics', default: ['sensors/{sensor}/data'], minItems: 1, description: 'Topic filters (`+`, `#`); a whole segment written `{name}` matches one level and puts it into the field `name`.' }),
  qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { title: 'QoS', default: 1, description: 'Subscription QoS. 1 and 2 are acknowledged only after the journal commit.' }),
  clean: Type.Optional(Type.Boolean({ title: 'Clean session', description: 'Clean session; default false (persistent session) for QoS 1 and 2, true for QoS 0.' })),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('text'), Type.Literal('message')], { title: 'Format', default: 'json', description: 'json: an object or an array of objects; csv: lines of values in `csv.columns` order; text: the payload in `textField`; message: one record per message, `{ topic, payload, qos, retain }`, as Node-RED\'s MQTT in gives it.' }),
  messagePayload: Type.Union([Type.Literal('auto-detect'), Type.Literal('text'), Type.Literal('json'), Type.Literal('base64')], { title: 'Message payload', default: 'auto-detect', description: 'format message: `auto-detect` parses JSON and keeps other text as text (Node-RED\'s default), `text`, `json` (other payloads go to `invalid`), or `base64`. Bytes that are not UTF-8 are kept as base64.' }),
  csv: Type.Object({
    columns: Type.Array(Type.String({ minLength: 1 }), { title: 'Columns', default: ['ts', 'sensor', 'value'], minItems: 1, description: 'Field names of the columns, in order.' }),
    separator: Type.String({ title: 'Separator', default: ',', minLength: 1, maxLength: 1, description: 'Column separator (no quoting: it must not occur inside values).' }),
  }, { title: 'CSV', default: {}, additionalProperties: false, description: 'CSV format: values that look like numbers become numbers, empty values are left out.' }),
  textField: Type.String({ title: 'Text field', default: 'text', minLength: 1, description: 'Text format: the field that receives the payload.' }),
  maxPayloadBytes: Type.Integer({ title: 'Max payload (bytes)', default: 1_048_576, minimum: 1, maximum: 268_435_455, description: 'Larger payloads go to `invalid` (kept whole, not parsed).' }),
  connections: Type.Integer({ title: 'Connections', default: 1, minimum: 1, maximum: 32, description: 'Connections sharing the subscription (`$share/<group>/<filter>`) so journal commits group; needs a broker with shared subscriptions.' }),
  sharedGroup: Type.String({ title: 'Shared group', default: '', pattern: '^[^/+#]*$', description: 'Shared subscription group when connections > 1; empty = the client id.' }),
  retryMs: Type.Integer({ title: 'Retry (ms)', default: 1000, minimum: 1, maximum: 60_000, description: 'Wait before retrying an append the journal refused.' }),
}, { additionalProperties: false });

type Config = typeof config.static;

function check(cfg: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  cfg.topics.forEach((t, i) => {
    try {
      topicPattern(t);
    } catch (err) {
      problems.push({ path: `/topics/${i}`, message: (err as Error).message });
    }
  });
  if (cfg.reconnect.minMs > cfg.reconnect.maxMs) problems.push({ path: '/reconnect/minMs', message: `minMs ${cfg.reconnect.minMs} is above maxMs ${cfg.reconnect.maxMs}` });
  return problems;
}

/** A message set aside, as the `invalid` port keeps it: the reason and the untouched payload. */
function invalidMessage(ctx: NodeContext, reason: string, topic: string, payload: Uint8Array): DataRecord {
  return { reason, topic, ...rawPayload(payload), bytes: payload.length, node: ctx.nodeId };
}

/** What to journal for one message: its records by `out`, or the untouched payload by `invalid`. */
function messageRecords(cfg: Config, ctx: NodeContext) {
  if (cfg.format === 'message') return envelopeRecords(cfg, ctx);
  const parse = payloadParser({ format: cfg.format, columns: cfg.csv.columns, separator: cfg.csv.separator, textField: cfg.textField, maxBytes: cfg.maxPayloadBytes });
  const fieldsOf = topicFieldReader(cfg.topics.map(topicPattern));
  return (topic: string, payload: Uint8Array, _packet?: IPublishPacket): { records: DataRecord[]; port: 'out' | 'invalid' } => {
    const parsed = parse(payload);
    if ('reason' in parsed) return { port: 'invalid', records: [invalidMessage(ctx, parsed.reason, topic, payload)] };
    const fields = fieldsOf(topic);
    return { port: 'out', records: fields ? parsed.records.map((r: Fields) => ({ ...r, ...fields })) : parsed.records };
  };
}

/** format message: the whole MQTT message as one record, with the payload decoded as Node-RED's MQTT in does. */
function envelopeRecords(cfg: Config, ctx: NodeContext) {
  return (topic: string, payload: Uint8Array, packet?: IPublishPacket): { records: DataRecord[]; port: 'out' | 'invalid' } => {
    const invalid = (reason: string) => ({ port: 'invalid' as const, records: [invalidMessage(ctx, reason, topic, payload)] });
    if (payload.length > cfg.maxPayloadBytes) return invalid(`payload is ${payload.length} bytes, over maxPayloadBytes (${cfg.maxPayloadBytes})`);
    const raw = rawPayload(payload);
    let value: unknown = raw.payload;
    if (raw.encoding === 'base64' || cfg.messagePayload === 'base64') value = Buffer.from(payload).toString('base64');
    else if (cfg.messagePayload !== 'text') {
      const parsed = parseJsonText(raw.payload, { forbiddenKeys: PROTOTYPE_KEYS });
      if (parsed.ok) value = parsed.value;
      // auto-detect keeps text that is not JSON as text, as Node-RED does; JSON past the limits is never kept.
      else if (cfg.messagePayload === 'json' || parsed.fault.offset === undefined) return invalid(parsed.fault.message);
    }
    return { port: 'out', records: [{ topic, payload: value, qos: packet?.qos ?? 0, retain: packet?.retain ?? false }] };
  };
}

export default defineNode({
  type: 'mqtt-in',
  category: 'source',
  label: 'MQTT in',
  inputs: {},
  outputs: {
    out: 'records parsed from the messages (topic fields added)',
    invalid: 'messages that could not be parsed: { reason, topic, payload, encoding, bytes, node }',
  },
  config,
  check,
  clusterMode: 'every-server',
  docs: `Subscribes to an MQTT broker and journals every message before acknowledging it.

**Config.** \`url\` (mqtt://, mqtts://, ws://, wss://), \`clientId\` (default \`sluice-<flow>-<node>\`),
\`username\`/\`password\` (write \`"\${secret:NAME}"\`), \`tls\` (ca, cert, key, rejectUnauthorized, servername),
\`topics\`, \`qos\`, \`format\`. A topic segment written \`{name}\` puts that level into a field:
\`sensors/{sensor}/data\` subscribes to \`sensors/+/data\`, and a message on \`sensors/t-12/data\` gives
records with \`sensor: "t-12"\` (topic fields overwrite payload fields of the same name).

**Formats.** \`json\`: one object = one record, an array of objects = one record each (an empty array
journals nothing). \`csv\`: each line is one record, the values in \`csv.columns\` order; numbers become
numbers, empty values are left out. \`text\`: \`{ [textField]: payload }\`. \`message\`: one record per
message, \`{ topic, payload, qos, retain }\` as Node-RED's MQTT in makes it (\`messagePayload\`: \`auto-detect\`
parses JSON payloads and keeps other text as text).

**Invalid messages are kept.** A payload that is empty, larger than \`maxPayloadBytes\`, not UTF-8 (UTF-16 and
UTF-32 are named as such), BOM-prefixed (json/csv), not JSON, nested deeper than 64 levels, holding a
\`__proto__\` key, a JSON scalar, an array with a non-object, or a CSV line with the wrong number of values
(anything whose records the journal could not hold, too) is journaled by \`invalid\` as
\`{ reason, topic, payload, encoding, bytes, node }\` and acknowledged: it never holds up the messages behind it.
\`payload\` is the raw text, or base64 when \`encoding\` is \`"base64"\`. Example reasons:
\`not valid JSON: Unterminated string in JSON at position 19\`, \`line 2: 3 values, expected 4 (ts,sensor,value,unit)\`,
\`nested 10000 levels deep at /a/a/a/…; the limit is 64\`. A number beyond a double (\`1e400\`) is kept as
\`{"$number": "1e400"}\`, not turned into null.

**Delivery.** QoS 1 and 2 messages are acknowledged to the broker (PUBACK, PUBREC) only after the journal
committed them; a crash in between makes the broker deliver them again (at least once: a keyed sink removes
the duplicates). With QoS >= 1 the session is persistent (\`clean: false\`) under a fixed client id, so
messages published while Sluice is down wait at the broker. QoS 0 messages may be lost by the broker or
the network by definition. When the journal is full the node stops acknowledging (status \`refused\`),
retries every \`retryMs\` and the broker keeps the rest; nothing is dropped.

**Throughput.** A connection hands over one message at a time and waits for its commit, so prefer
messages that carry arrays of readings, and/or set \`connections\` > 1: the subscription is then shared
(\`$share/<sharedGroup>/<filter>\`) by that many connections, whose commits group into one transaction.
Shared subscriptions need Mosquitto >= 1.6, EMQX, HiveMQ or VerneMQ; the embedded broker has none.

**Cluster mode.** The node runs on every server, all in one shared subscription (\`$share/<sharedGroup or
client id>/<filter>\`), each server with its own persistent session (client id \`<clientId>-<server id>\`): the
broker hands each message to one server, which acknowledges it only after the JetStream quorum write. While a
server is cut off from NATS it does not acknowledge; the broker redelivers what it holds once it is back.

**Nothing lost, end to end,** needs the broker to keep what it accepted:
- Publishers use QoS 1 or 2 (QoS 0 may be dropped by the broker or the network).
- Mosquitto: \`persistence true\` (sessions and queued messages survive a broker restart), and
  \`max_queued_messages 0\` (unlimited; the default 1000 silently drops messages beyond that for an
  offline persistent client, and for a connected one that falls behind), or a \`max_queued_bytes\` large enough for the longest outage you plan
  for; \`persistent_client_expiration\` unset or longer than that outage.
- The embedded broker (\`sluice start --mqtt-port 1883\`) keeps sessions in memory: it survives a
  restart of a flow but not of the server. Use it for demos and development.

**Status.** \`connected to <url>\`, \`reconnecting\` with the reason and the next attempt (backoff
\`reconnect.minMs\` doubling up to \`maxMs\`), \`refused\` with the broker's reason (e.g.
\`Connection refused: Not authorized\`) or when the journal is full.

Example: \`{ "url": "mqtt://broker:1883", "topics": ["site-a/{sensor}/data"], "qos": 1, "format": "json",
"username": "sluice", "password": "\${secret:MQTT_PASSWORD}" }\``,

  create(cfg, ctx) {
    const stopper = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stopper.signal]);
    // Each connection's message may wait out a refused append on it at once: not a listener leak.
    setMaxListeners(10 + cfg.connections, signal);
    const toRecords = messageRecords(cfg, ctx);
    const clean = cfg.clean ?? cfg.qos === 0;
    const baseId = cfg.clientId || defaultClientId(ctx.flowId, ctx.nodeId);
    const group = cfg.sharedGroup || baseId;
    // In a cluster every server subscribes in one shared group, so the broker hands each message to one of them.
    const shared = cfg.connections > 1 || ctx.cluster !== undefined;
    const clientBase = ctx.cluster ? `${baseId}-${ctx.cluster.serverId}` : baseId;
    const patterns = cfg.topics.map(topicPattern);
    const filters = patterns.map((p) => (shared ? `$share/${group}/${p.filter}` : p.filter));
    const states: { state: LinkState; text: string }[] = [];
    const subscribed: boolean[] = [];
    let subscribeProblem: string | undefined;

    function showStatus(): void {
      if (journal.refused) return;
      const bad = states.find((s) => s.state === 'refused') ?? states.find((s) => s.state !== 'connected');
      if (subscribeProblem) ctx.status({ state: 'error', text: subscribeProblem });
      else if (bad) ctx.status({ state: bad.state === 'connecting' ? 'idle' : bad.state, text: bad.text });
      else if (subscribed.some((done) => !done)) ctx.status({ state: 'connected', text: `connected to ${cfg.url}, subscribing` });
      else {
        const sharing = shared ? ` (${cfg.connections} connection${cfg.connections > 1 ? 's' : ''}, shared group ${group})` : '';
        ctx.status({ state: 'connected', text: `connected to ${cfg.url}${sharing}, subscribed to ${filters.length === 1 ? filters[0] : `${filters.length} topics`}` });
      }
    }

    const journal = new MessageJournal(ctx, signal, cfg.retryMs, showStatus);

    const journalMessage = (packet: IPublishPacket): Promise<boolean> => {
      const payload = packet.payload as Uint8Array;
      const { records, port } = toRecords(packet.topic, payload, packet);
      if (records.length === 0) return Promise.resolve(true);
      // The broker resends an unacknowledged message with the same packet id and DUP set: with its content that
      // identifies it, so a message journaled just before a crash is not journaled twice (cluster mode).
      const id = packet.qos > 0 && packet.messageId !== undefined
        ? createHash('sha1').update(`${packet.messageId}\0${packet.topic}\0`).update(payload).digest('base64url')
        : undefined;
      const setAside = (reason: string) => ({ records: [invalidMessage(ctx, reason, packet.topic, payload)], options: { port: 'invalid' as const } });
      return journal.append(records as DataRecord[], { port, id, redelivery: packet.dup === true }, setAside);
    };

    /** QoS 2: mqtt.js stores the message before sending PUBREC, so the journal commit goes there. */
    class JournalingStore extends Store {
      override put(packet: Packet, cb: (err?: Error) => void): this {
        if (packet.cmd !== 'publish') return super.put(packet, cb);
        journalMessage(packet).then((ok) => { if (ok) super.put(packet, cb); }, (err: unknown) => fail(err));
        return this;
      }
    }

    function fail(err: unknown): void {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log.error('mqtt in: unexpected failure while journaling a message', { error: message });
      ctx.status({ state: 'error', text: message });
    }

    function attach(client: MqttClient): void {
      // QoS 0 and 1: done() sends PUBACK (QoS 1) and lets mqtt.js read the connection's next packet.
      client.handleMessage = (packet, done) => {
        if (packet.qos === 2) { done(); return; } // journaled when stored, before PUBREC
        journalMessage(packet).then((ok) => { if (ok) done(); }, (err: unknown) => fail(err));
      };
    }

    const links = Array.from({ length: cfg.connections }, (_, i) => {
      states.push({ state: 'connecting', text: `connecting to ${cfg.url}` });
      subscribed.push(false);
      const clientId = cfg.connections > 1 ? `${clientBase}-${i}` : clientBase;
      return new MqttLink(cfg.url, cfg.reconnect, {
        options: () => ({ ...clientOptions(cfg, clientId, clean), incomingStore: new JournalingStore() }),
        attach,
        connected(client) {
          client.subscribe(filters, { qos: cfg.qos }, (err, granted) => {
            const failed = granted?.find((g) => g.qos === 128);
            if (err || failed) subscribeProblem = `subscription refused by the broker: ${err ? err.message : failed!.topic}`;
            else subscribeProblem = undefined;
            subscribed[i] = !subscribeProblem;
            showStatus();
          });
        },
        state(state, text) {
          states[i] = { state, text };
          if (state !== 'connected') subscribed[i] = false;
          showStatus();
        },
      });
    });

    return {
      start() {
        for (const link of links) link.start();
      },
      async stop() {
        stopper.abort();
        await Promise.all(links.map((l) => l.stop()));
      },
    };
  },
});
