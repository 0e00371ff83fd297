import { Type, type Static } from '@sinclair/typebox';
import { SafeName } from './names.js';

/** Version 1 of the flow document, as exported, imported, stored and deployed. */
export const FORMAT_VERSION = 1;

// Flow ids name the flow's data directory and its URLs, node ids their own directories below it.
const Id = SafeName({ description: 'Letters, digits, `_`, `-` and `.` (ASCII), starting with a letter, a digit or `_`; not ending with `.`, no `..`, no Windows device name; unique within the flow.' });

export const RetryPolicySchema = Type.Object({
  maxAttempts: Type.Integer({ minimum: 1, maximum: 1000, description: 'Attempts including the first one.' }),
  backoffMs: Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'Delay before the first retry.' }),
  maxBackoffMs: Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'Cap of the exponential backoff.' }),
  jitter: Type.Number({ minimum: 0, maximum: 1, description: 'Share of each delay that is randomised.' }),
}, { additionalProperties: false });

export const FlowNodeSchema = Type.Object({
  id: Id,
  type: Type.String({ minLength: 1, maxLength: 128, description: 'A type from the node catalog.' }),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), {
    description: 'Behaviour, checked against the node type\'s config schema; secrets as ${secret:NAME} or ${env:NAME}.',
  })),
  retry: Type.Optional(Type.Partial(RetryPolicySchema)),
  position: Type.Optional(Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false })),
}, { additionalProperties: false });

export const WireSchema = Type.Object({
  from: Type.String({ minLength: 1, description: '`node` or `node:port` (default port `out`).' }),
  to: Type.String({ minLength: 1, description: '`node` or `node:port` (default port `in`).' }),
}, { additionalProperties: false });

export const FlowSettingsSchema = Type.Object({
  checkpointIntervalMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 600_000, description: 'How often a checkpoint barrier follows the current batch.' })),
  tickMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 600_000, description: 'Period of the journaled wall-clock ticks that drive timers.' })),
  retentionMs: Type.Optional(Type.Integer({ minimum: 0, description: 'Audit window: how long journal entries are kept behind the checkpoint.' })),
  quotaBytes: Type.Optional(Type.Integer({ minimum: 1024, description: 'Journal bytes not yet covered by a checkpoint past which sources are refused.' })),
  partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, description: 'Cluster mode: partitions of the flow, each owned by one server at a time (default 1).' })),
  partitionBy: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 8, description: 'Cluster mode: record fields (dotted paths) whose hash picks a record\'s partition, e.g. ["sensor"]; stateful nodes must keep their state by them.' })),
  replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'Cluster mode: copies of the journal JetStream keeps (default 3 with 3 or more NATS servers); 1 loses data with its server.' })),
}, { additionalProperties: false });

export const FlowDocumentSchema = Type.Object({
  sluice: Type.Literal(FORMAT_VERSION, { description: 'Format version.' }),
  id: Id,
  name: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  nodes: Type.Array(FlowNodeSchema, { maxItems: 2000 }),
  wires: Type.Array(WireSchema, { maxItems: 10_000 }),
  settings: Type.Optional(FlowSettingsSchema),
}, { additionalProperties: false, $id: 'https://sluice.dev/schema/flow-v1.json', title: 'Sluice flow, format 1' });

export type FlowDocument = Static<typeof FlowDocumentSchema>;
export type FlowNode = Static<typeof FlowNodeSchema>;
export type FlowSettings = Static<typeof FlowSettingsSchema>;

/** Ports a wire end names when it names none. */
export const DEFAULT_OUTPUT_PORT = 'out';
export const DEFAULT_INPUT_PORT = 'in';
/** Every node with an input also has this output: records that failed after their last retry. */
export const ERROR_PORT = 'error';

export interface PortRef {
  node: string;
  port: string;
}

export function parsePortRef(ref: string, defaultPort: string): PortRef {
  const i = ref.indexOf(':');
  return i < 0 ? { node: ref, port: defaultPort } : { node: ref.slice(0, i), port: ref.slice(i + 1) };
}
