import { Type } from '@sinclair/typebox';
import type { MqttClient } from 'mqtt';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord, Outputs } from '../server/core/types.js';
import { fieldGetter } from './lib/field-path.js';
import { MqttLink, clientOptions, connectionConfig, defaultClientId } from './mqtt/connection.js';
import { topicTemplate } from './mqtt/topic.js';

const config = Type.Object({
  ...connectionConfig,
  topic: Type.String({ title: 'Topic', default: 'sensors/{sensor}/commands', minLength: 1, description: 'Topic of each message; `{field}` is replaced by the record\'s field (dotted paths allowed).' }),
  topicField: Type.String({ title: 'Topic from field', default: '', maxLength: 1000, description: 'When set, each message goes to the whole topic in this field of the record (slashes allowed, wildcards not), e.g. `topic` as Node-RED\'s msg.topic; `topic` is then unused.' }),
  qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { title: 'QoS', default: 1, description: '1 and 2: the batch is done only once the broker acknowledged every message (PUBACK, PUBCOMP).' }),
  retain: Type.Boolean({ title: 'Retain', default: false, description: 'Ask the broker to keep the last message of each topic for future subscribers.' }),
  payloadField: Type.String({ title: 'Payload field', default: '', description: 'Empty = the whole record as JSON; otherwise that field alone (strings as they are, other values as JSON).' }),
  ackTimeoutMs: Type.Integer({ title: 'Ack timeout (ms)', default: 30_000, minimum: 100, description: 'How long a batch waits for the broker (connection and acknowledgements) before the attempt fails and is retried.' }),
}, { additionalProperties: false });

type Config = typeof config.static;

function check(cfg: Config): ConfigProblem[] {
  try {
    topicTemplate(cfg.topic);
    return [];
  } catch (err) {
    return [{ path: '/topic', message: (err as Error).message }];
  }
}

/** The topic is one field's value as it is (Node-RED's msg.topic): levels allowed, wildcards and NUL not. */
function wholeTopic(field: string): { render(record: DataRecord): { topic: string } | { error: string } } {
  const get = fieldGetter(field);
  return {
    render(record) {
      const v = get(record);
      if (typeof v !== 'string' || v === '') return { error: `topic field ${field} is ${v === '' ? 'empty' : v === undefined ? 'missing' : 'not a string'}` };
      if (/[+#\u0000]/.test(v)) return { error: `topic field ${field} = ${JSON.stringify(v)} contains +, # or NUL` };
      return { topic: v };
    },
  };
}

interface Message {
  topic: string;
  payload: string;
}

export default defineNode({
  type: 'mqtt-out',
  category: 'sink',
  label: 'MQTT out',
  inputs: { in: 'records or commands to publish, one message each' },
  outputs: { invalid: 'records whose topic could not be built: { record, reason, node }' },
  config,
  check,
  retry: { maxAttempts: 20, backoffMs: 1000, maxBackoffMs: 30_000, jitter: 0.2 },
  docs: `Publishes one MQTT message per record.

**Config.** The connection settings of MQTT in (\`url\`, \`clientId\` (default \`sluice-<flow>-<node>\`),
\`username\`, \`password\` as \`"\${secret:NAME}"\`, \`tls\`, \`reconnect\`), plus \`topic\`, \`qos\`,
\`retain\` and \`payloadField\`. The topic is a template: \`sensors/{sensor}/commands/sample-frequency\`
publishes each record to its own sensor's topic; \`topicField\` takes the whole topic from a field instead. A record whose topic field is missing, empty, or holds
\`/\`, \`+\` or \`#\` goes to \`invalid\` with the reason; the others are published.

**Payload.** By default the record as JSON. With \`payloadField\` set, only that field: a string as it
is (\`"sleep"\`), a missing or null field as an empty message, anything else as JSON (\`{"hz": 10}\`).

**Delivery.** With QoS 1 (default) or 2, the batch is done only once the broker acknowledged every
message (PUBACK, PUBCOMP). While the broker is unreachable, or if it does not acknowledge within
\`ackTimeoutMs\`, the attempt fails and the runtime retries the whole batch with the node's retry policy
(20 attempts, 1 s doubling to 30 s by default), then keeps it as dead letters: a broker outage means
retries, never loss. A retry can publish a message twice (at least once); QoS 0 is fire-and-forget.

**Status.** \`connected to <url>\`, \`reconnecting\` or \`refused\` with the broker's reason.

Example: commands to sensors, from records \`{ "sensor": "t-12", "command": "sleep" }\`:
\`{ "url": "mqtt://broker:1883", "topic": "sensors/{sensor}/commands/{command}", "qos": 1, "payloadField": "command" }\``,

  create(cfg, ctx) {
    const template = cfg.topicField ? wholeTopic(cfg.topicField) : topicTemplate(cfg.topic);
    const getPayload = cfg.payloadField === '' ? undefined : fieldGetter(cfg.payloadField);
    const clientId = cfg.clientId || defaultClientId(ctx.flowId, ctx.nodeId);
    const waiting = new Set<() => void>();
    const link = new MqttLink(cfg.url, cfg.reconnect, {
      options: () => clientOptions(cfg, clientId, true),
      attach: () => undefined,
      connected: () => { for (const wake of waiting) wake(); },
      state: (state, text) => ctx.status({ state: state === 'connecting' ? 'idle' : state, text }),
    });

    function payloadOf(record: DataRecord): string {
      if (!getPayload) return JSON.stringify(record);
      const v = getPayload(record);
      // A missing or null field is an empty message, as Node-RED publishes it.
      return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
    }

    /** The connected client, waiting for a connection until the deadline. */
    async function connected(deadline: number): Promise<MqttClient> {
      for (;;) {
        const c = link.client;
        if (c) return c;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`not connected to ${cfg.url} after ${cfg.ackTimeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const wake = () => { clearTimeout(timer); waiting.delete(wake); resolve(); };
          const timer = setTimeout(wake, Math.min(left, 200));
          waiting.add(wake);
        });
      }
    }

    /** Resolves once the broker acknowledged every message; rejects when the connection drops first or time runs out. */
    async function publishAll(messages: Message[]): Promise<void> {
      const deadline = Date.now() + cfg.ackTimeoutMs;
      const c = await connected(deadline);
      let timer: NodeJS.Timeout | undefined;
      let onClose: (() => void) | undefined;
      const failure = new Promise<never>((_, reject) => {
        const ack = cfg.qos === 2 ? 'PUBCOMP' : 'PUBACK';
        timer = setTimeout(() => reject(new Error(`no ${ack} from ${cfg.url} within ${cfg.ackTimeoutMs} ms`)), Math.max(0, deadline - Date.now()));
        onClose = () => reject(new Error(`connection to ${cfg.url} lost before every ${ack} arrived`));
        c.once('close', onClose);
      });
      try {
        await Promise.race([Promise.all(messages.map((m) => c.publishAsync(m.topic, m.payload, { qos: cfg.qos, retain: cfg.retain }))), failure]);
      } finally {
        clearTimeout(timer);
        c.off('close', onClose!);
      }
    }

    return {
      start() {
        link.start();
      },
      async process(batch): Promise<Outputs> {
        const messages: Message[] = [];
        const invalid: DataRecord[] = [];
        for (const record of batch) {
          const t = template.render(record);
          if ('error' in t) invalid.push({ record, reason: t.error, node: ctx.nodeId });
          else messages.push({ topic: t.topic, payload: payloadOf(record) });
        }
        if (messages.length > 0) await publishAll(messages);
        return invalid.length > 0 ? { invalid } : {};
      },
      async stop() {
        for (const wake of waiting) wake();
        await link.stop();
      },
    };
  },
});
