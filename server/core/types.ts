import type { Static, TSchema } from '@sinclair/typebox';
import type { NodeServices } from './services.js';
import type { ReportPlacement } from './report.js';
import type { WidgetPlacement } from './widget.js';

/**
 * A record is a plain JSON object, usually one reading. Records are treated as immutable once
 * emitted: fan-out hands the same objects to several nodes, so a node that wants to change a
 * record returns a new object (`{ ...r, region }`).
 */
export type DataRecord = Readonly<{ [field: string]: unknown }>;
export type Batch = readonly DataRecord[];

/** What a node emits for one input batch or tick: records per output port. */
export type Outputs = { [port: string]: readonly DataRecord[] | undefined };

/** `note`: a node that only documents the canvas (no ports, nothing at run time). */
export type NodeCategory = 'source' | 'process' | 'sink' | 'note';

export interface RetryPolicy {
  /** Total attempts including the first one; 1 means no retry. */
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** 0..1: share of each delay that is randomised. */
  jitter: number;
}

export type NodeState =
  | 'idle' | 'running' | 'connected' | 'reconnecting' | 'refused' | 'retrying' | 'error' | 'stopped' | 'done';

export interface NodeStatus {
  state: NodeState;
  text?: string;
  /** While `retrying`: the attempt about to be made (2 = the first retry), shown on the node's badge. */
  attempt?: number;
}

/** Where a batch came from: its journal offset and the journal's wall-clock time of the entry. */
export interface BatchMeta {
  offset: number;
  ts: number;
}

export interface AppendOptions {
  /** Output port of the source the records leave by (default `out`). */
  port?: string;
  /**
   * The source's cursor after these records (e.g. per-device positions of an API poller). It is
   * committed in the same transaction as the records, so a restart resumes exactly after them.
   */
  sourceState?: unknown;
  /**
   * Identifies what the records came from across retries and redeliveries (an MQTT message's packet id and
   * content, an HTTP `Idempotency-Key`). In cluster mode an append whose id was stored within the journal's
   * duplicate window (10 minutes) is not stored again, so a message the broker delivers again after a crash is
   * counted once. The single-server journal ignores it (at least once, as documented there).
   */
  id?: string;
  /**
   * True when the sender says this is a repeat of something it sent before (MQTT's DUP flag, a reused
   * idempotency key): only then may an append with a known id be dropped. A fresh delivery that happens to
   * carry a known id (same packet id and content, minutes apart) is stored.
   */
  redelivery?: boolean;
}

export interface Logger {
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

/** What the runtime gives a node instance. */
export interface NodeContext {
  readonly flowId: string;
  readonly nodeId: string;
  /** The node's name in the flow document (its id when it has none). */
  readonly nodeName: string;
  readonly log: Logger;
  /** A directory private to this node in the data directory (created on demand). */
  readonly dataDir: string;
  /** Aborted when the node is stopped (redeploy, shutdown). */
  readonly signal: AbortSignal;
  /** Server-wide facilities shared by every flow (HTTP ingress, alert store, …). */
  readonly services: NodeServices;
  status(status: NodeStatus): void;
  /** Shows a value in the editor's debug sidebar (throttled; never a data path). */
  debug(value: unknown): void;
  /**
   * Pushes a live update (JSON) to whoever watches this node: a dashboard widget's new points or rows.
   * Never a data path and not journaled; the caller throttles (a few updates per second at most).
   */
  publish(update: unknown): void;
  /**
   * Sources only: journal the records. Resolves after the journal commit; only then may the
   * source acknowledge its sender. Rejects with `JournalFullError` past the journal quota.
   * The records belong to the journal from then on: never change them afterwards. They must be
   * JSON (a replay reads them back from JSON: NaN and Infinity would come back as null).
   */
  append(records: DataRecord[], options?: AppendOptions): Promise<{ offset: number }>;
  /** Sources only: the last committed `sourceState`, undefined on first start. */
  sourceState<T = unknown>(): T | undefined;
  /**
   * Cluster mode only: this server's id and the cluster's name (undefined on a single server). A source
   * that runs on every server uses it to share work, e.g. MQTT in's shared subscription.
   */
  readonly cluster?: { readonly name: string; readonly serverId: string };
}

/**
 * One running node. Every method is optional; the runtime calls what is there.
 * - `process` may return a promise: sinks resolve it only after the external system acknowledged.
 *   A rejection or throw is retried with the node's policy, so `process` must leave the node's
 *   state unchanged when it fails (compute first, commit state last).
 * - `tick` is driven by journaled wall-clock ticks, so timers replay identically after a crash.
 * - `snapshot`/`restore` make a node stateful: snapshots are taken at checkpoint barriers.
 */
export interface NodeInstance {
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
  process?(batch: Batch, meta: BatchMeta): Outputs | void | Promise<Outputs | void>;
  tick?(now: number): Outputs | void;
  /**
   * Work a journaled tick makes due for the node itself (a scheduled report's run): the records are
   * processed as an input batch of this node, with its retry policy, `error` port and dead letters, so a
   * timed delivery fails, retries and replays like any other. Called once per tick, before the node's
   * input of that tick; it may advance the node's state (the next due time), which its snapshot keeps.
   */
  due?(now: number): DataRecord[] | void;
  flush?(): void | Promise<void>;
  snapshot?(): unknown;
  restore?(state: unknown): void;
  /**
   * Read-only views of the node's live state served by the API at
   * `GET /api/flows/:flow/nodes/:node/query/:name?<params>` (e.g. a top-k table). A query throws
   * `QueryError` for bad parameters; it never changes state.
   */
  queries?: { [name: string]: (params: { [key: string]: string }) => unknown };
}

/** A problem in one node's config found by its type's `check`, at a JSON pointer into the config. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export interface NodeDefinition<S extends TSchema = TSchema> {
  /** Stable type name used in flow documents, e.g. `validate`. */
  type: string;
  category: NodeCategory;
  label: string;
  /** Input port descriptions; sources have none, every other node has `in`. */
  inputs: { [port: string]: string };
  /** Output port descriptions. Nodes with an input also get an implicit `error` port. */
  outputs: { [port: string]: string };
  /** Output ports a node's config declares (e.g. a function node's `outputs`), added to `outputs`. */
  configOutputs?(config: Static<S>): string[];
  /** TypeBox schema of the config, with defaults and descriptions: the single source of truth. */
  config: S;
  /** Markdown documentation shown in the palette. */
  docs: string;
  /**
   * Deploy-time checks the schema cannot express (e.g. user code that does not compile), run once the
   * config matches the schema. Problems make the deploy fail; the running revision is untouched.
   */
  check?(config: Static<S>): ConfigProblem[];
  /**
   * Why this type's config may hold no `${secret:…}` or `${env:…}` reference, for types whose config
   * reaches code the flow's author controls (a function node's code could hand any secret to its
   * records). Deploy then refuses every reference in the config with this reason; unset, they resolve.
   */
  refusesReferences?: string;
  /** Retry defaults for this node type, merged over the runtime defaults. */
  retry?: Partial<RetryPolicy>;
  /**
   * Nodes that show on a dashboard page: where and how. The server lists a page's widgets through it;
   * their data comes from the instance's `queries` and their live updates from `ctx.publish`.
   */
  widget?(config: Static<S>): WidgetPlacement;
  /**
   * Stateful nodes: the record fields this config keeps its state by (a rollup's `keyBy`), `[]` for one
   * state over every record, undefined when the config keeps none. In a partitioned flow each partition
   * sees only its own records, so deploy refuses keys that do not contain the partition key.
   */
  stateKeys?(config: Static<S>): string[] | undefined;
  /**
   * A stage boundary (`repartition`): in cluster mode what leaves its `out` port is journaled into the
   * next stage, partitioned by `keyFields`, in `partitions` partitions (undefined: the flow's setting).
   * On a single server the node passes its records through.
   */
  boundary?: { keyFields(config: Static<S>): string[]; partitions(config: Static<S>): number | undefined };
  /**
   * Sources in cluster mode: `every-server` runs on each server (pushed data: whichever server receives
   * it journals it); `singleton` (the default) runs on one server at a time, owned through a lease, with
   * its `sourceState` handed over to the next owner.
   */
  clusterMode?: 'every-server' | 'singleton';
  /**
   * What the node keeps on the disk of the server that runs it beyond its snapshot (a report's windows).
   * Cluster mode refuses such a node: the server that takes its partition over would start without that data.
   */
  serverLocalData?: string;
  /** Nodes that produce scheduled reports: the server lists them (and offers "Run now") through it. */
  report?(config: Static<S>): ReportPlacement;
  create(config: Static<S>, ctx: NodeContext): NodeInstance | Promise<NodeInstance>;
}
