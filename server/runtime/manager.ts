import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { compileFlow, type CompiledFlow } from '../core/compile-flow.js';
import { FlowDocumentSchema, type FlowDocument } from '../core/flow-format.js';
import { checkJsonValue, PROTOTYPE_KEYS } from '../core/json-text.js';
import { jsonLogger } from '../core/logger.js';
import { PathEscapeError, resolveUnder } from '../core/data-paths.js';
import { nameProblem, schemaErrorMessage } from '../core/names.js';
import { Redactor, redactingLogger } from '../core/redactor.js';
import { FlowInvalidError, type Problem } from '../core/problems.js';
import type { NodeRegistry } from '../core/registry.js';
import { environmentSecrets, type SecretSource } from '../core/secrets.js';
import type { IngressHandler, NodeServices } from '../core/services.js';
import type { Logger } from '../core/types.js';
import { AlertStore, type AlertQuery } from '../services/alert-store.js';
import { ReportStore, type DocumentQuery } from '../services/report-store.js';
import { periodOfKey, PERIOD_KEY_EXAMPLES } from '../../nodes/report/period.js';
import { IngressRegistry } from '../services/ingress.js';
import type { Cluster } from '../cluster/cluster.js';
import { clusterView, type ClusterView } from '../cluster/cluster-view.js';
import { serverLocalProblems, stagePartitioner } from '../core/partitioning.js';
import type { FlowJournal, Journal } from '../journal/journal.js';
import { JetStreamFlowJournal } from '../journal/jetstream/flow-journal.js';
import { SqliteJournal } from '../journal/sqlite-journal.js';
import { AuthStore } from '../auth/auth-store.js';
import { CollabStore } from '../store/collab-store.js';
import { FlowStore } from '../store/flow-store.js';
import { SecretStore } from '../store/secret-store.js';
import { loadSecretsKey, type SecretsKey } from '../store/secrets-key.js';
import type {
  Alert, AlertDetail, DeadLetter, DeadLetterState, DebugMessage, FlowClusterStatus, FlowState, FlowStatus, FlowSummary, JournalExport, ReportDocument,
  ReportInfo, ReportRequest, RevisionInfo, RuntimeApi, StoredRevision, WidgetInfo,
} from './api.js';
import { ConflictError, NotFoundError } from './errors.js';
import { ClusterFlowRuntime } from './cluster-runtime.js';
import { FlowRuntime, type DeployedRuntime } from './flow-runtime.js';

export interface ManagerOptions {
  dataDir: string;
  registry: NodeRegistry;
  /** Where secrets not set through the API come from (default: SLUICE_SECRET_<NAME> variables). */
  secrets?: SecretSource;
  /** The key of the encrypted secrets store (default: `<dataDir>/secrets.key`, created when missing). */
  secretsKey?: SecretsKey;
  /** Learns every resolved secret value; the server redacts what leaves it with it (default: a new one). */
  redactor?: Redactor;
  log?: Logger;
  /** `full` fsyncs every journal commit (power-loss safe); `normal` survives process crashes. */
  durability?: 'normal' | 'full';
  /** Cluster mode: journals in JetStream, partitions and singleton sources where this server holds their lease. */
  cluster?: Cluster;
}

interface FlowEntry {
  journal?: FlowJournal;
  runtime?: DeployedRuntime;
  state: FlowState;
  error: string | null;
  /** Deploys of one flow run one after the other. */
  queue: Promise<unknown>;
}

const checkFormat = TypeCompiler.Compile(FlowDocumentSchema);

/** All flows of one data directory: storage, deploys and the running runtimes. */
export class RuntimeManager implements RuntimeApi {
  readonly events = new EventEmitter();
  readonly collab: CollabStore;
  readonly auth: AuthStore;
  private readonly entries = new Map<string, FlowEntry>();
  private readonly log: Logger;
  private readonly ingressRoutes = new IngressRegistry();
  private readonly services: NodeServices;
  private readonly alerts: AlertStore;
  private readonly reportStore: ReportStore;
  readonly redactor: Redactor;
  /** Resolves references for compiling flows and teaches the redactor every value it hands out. */
  private readonly resolving: SecretSource;

  private constructor(
    private readonly options: ManagerOptions,
    private readonly db: Db,
    private readonly store: FlowStore,
    private readonly secrets: SecretStore,
    redactor: Redactor,
  ) {
    this.redactor = redactor;
    // Every value stored is known from the start: a value never referenced yet still must not leak.
    for (const value of secrets.values()) redactor.add(value);
    // `${env:NAME}` carries configuration (broker URLs, paths, the shipped flows' parameters) and stays
    // readable; whatever is secret is a `${secret:NAME}`, from the store or SLUICE_SECRET_NAME.
    this.resolving = {
      get: (kind, name) => {
        const value = secrets.get(kind, name);
        if (value !== undefined && kind === 'secret') redactor.add(value);
        return value;
      },
    };
    this.log = redactingLogger(options.log ?? jsonLogger(), redactor);
    this.events.setMaxListeners(0);
    this.alerts = AlertStore.open(db);
    this.collab = new CollabStore(db);
    this.auth = new AuthStore(db);
    this.reportStore = ReportStore.open(db, {
      dir: join(options.dataDir, 'reports'),
      audit: (entry) => this.auth.audit(entry),
      deadLetters: (flowId, before) => this.deadLettersBefore(flowId, before),
    });
    this.services = { ingress: this.ingressRoutes, alerts: this.alerts, reports: this.reportStore };
  }

  get registry(): NodeRegistry {
    return this.options.registry;
  }

  static async open(options: ManagerOptions): Promise<RuntimeManager> {
    mkdirSync(options.dataDir, { recursive: true });
    const { store, db } = FlowStore.open(join(options.dataDir, 'sluice.db'));
    let secrets: SecretStore;
    const key = options.secretsKey ?? loadSecretsKey({ dataDir: options.dataDir });
    try {
      secrets = new SecretStore(db, key, options.secrets ?? environmentSecrets);
    } catch (err) {
      db.close();
      // A key file created just now cannot be the one the secrets were stored with: do not leave it behind.
      if (key.created && key.file) rmSync(key.file, { force: true });
      const hint = key.created
        ? ` (${key.file} did not exist and a new key was made; start with the key the secrets were stored with: the original key file from your backup, --secrets-key-file or SLUICE_SECRETS_KEY)`
        : key.file && existsSync(`${key.file}.new`) ? ` (${key.file}.new exists: a key rotation was interrupted; if that key opens the store, move it to ${key.file})` : '';
      throw new Error(`${(err as Error).message}${hint}`);
    }
    const manager = new RuntimeManager(options, db, store, secrets, options.redactor ?? new Redactor());
    if (secrets.migrated > 0) manager.log.warn('secrets stored in plaintext by an earlier version were encrypted', { count: secrets.migrated });
    for (const flow of store.list()) {
      if (flow.deployed_rev === null) continue;
      // Stored by a version that took ids as paths: never run, never touch its directory.
      const unsafe = nameProblem(flow.id);
      if (unsafe) {
        manager.markFailed(flow.id, `the flow id ${unsafe}: export the flow and import it under another id`);
        continue;
      }
      const rev = store.revision(flow.id, flow.deployed_rev)!;
      await manager.resume(flow.id, rev.doc);
    }
    return manager;
  }

  /** Restarts a deployed flow after a server restart; a failure marks the flow failed, others still start. */
  private async resume(flowId: string, doc: FlowDocument): Promise<void> {
    const entry = this.entry(flowId);
    const compiled = compileFlow(doc, this.registry, this.resolving);
    try {
      if (!compiled.ok) throw new FlowInvalidError(compiled.problems);
      entry.runtime = await this.launch(flowId, compiled.flow);
      entry.state = 'running';
      entry.error = null;
    } catch (err) {
      entry.state = 'failed';
      entry.error = this.redactor.redact((err as Error).message);
      this.log.error('deployed flow could not be restarted', { flow: flowId, error: entry.error });
    }
  }

  private markFailed(flowId: string, error: string): void {
    const entry = this.entry(flowId);
    entry.state = 'failed';
    entry.error = error;
    this.log.error('deployed flow could not be restarted', { flow: flowId, error });
  }

  private entry(flowId: string): FlowEntry {
    let e = this.entries.get(flowId);
    if (!e) {
      e = { state: 'not-deployed', error: null, queue: Promise.resolve() };
      this.entries.set(flowId, e);
    }
    return e;
  }

  private journalOf(flowId: string): Journal {
    const entry = this.entry(flowId);
    entry.journal ??= new SqliteJournal({
      path: join(this.flowDir(flowId), 'journal.db'), durability: this.options.durability ?? 'normal',
    });
    return entry.journal as Journal;
  }

  /** Cluster mode: the flow's streams as this revision partitions them (opened again on each deploy). */
  private async clusterJournalOf(flowId: string, flow: CompiledFlow, cluster: Cluster): Promise<JetStreamFlowJournal> {
    const entry = this.entry(flowId);
    const link = cluster.link;
    const journal = await JetStreamFlowJournal.open({
      link, flowId, plan: flow.plan, partitionOf: flow.plan.stages.map(stagePartitioner),
      replicas: flow.settings.replicas ?? (link.natsServers >= 3 ? 3 : 1), serverId: cluster.serverId, log: this.log,
      quotaBytes: flow.settings.quotaBytes, retentionMs: flow.settings.retentionMs,
    }, cluster.stores);
    await entry.journal?.close();
    entry.journal = journal;
    return journal;
  }

  /** The flow's own directory, strictly below `<data>/flows`: never that directory itself nor anything outside it. */
  private flowDir(flowId: string): string {
    return resolveUnder(join(this.options.dataDir, 'flows'), flowId);
  }

  private async launch(flowId: string, flow: CompiledFlow): Promise<DeployedRuntime> {
    const cluster = this.options.cluster;
    if (cluster) {
      const journal = await this.clusterJournalOf(flowId, flow, cluster);
      const rt = new ClusterFlowRuntime({
        flow, journal, cluster, events: this.events, dir: this.flowDir(flowId), log: this.log, services: this.services, redactor: this.redactor,
        onFatal: () => undefined,
      });
      await rt.start();
      return rt;
    }
    const journal = this.journalOf(flowId);
    journal.configure({ quotaBytes: flow.settings.quotaBytes, retentionMs: flow.settings.retentionMs });
    const entry = this.entry(flowId);
    const rt = await FlowRuntime.create({
      flow, journal, events: this.events, dir: this.flowDir(flowId), log: this.log, services: this.services, redactor: this.redactor,
      onFatal: (err) => {
        if (entry.runtime !== rt) return;
        entry.state = 'failed';
        entry.error = this.redactor.redact(`processing stopped: ${err.message}; redeploy or restart to resume from the last checkpoint`);
      },
    });
    await rt.start();
    return rt;
  }

  listFlows(): FlowSummary[] {
    return this.store.list().map((f) => ({
      id: f.id, name: f.name, draftRevision: f.draft_rev, deployedRevision: f.deployed_rev,
      state: this.entries.get(f.id)?.state ?? 'not-deployed',
    }));
  }

  getDraft(flowId: string): StoredRevision | undefined {
    const f = this.store.flow(flowId);
    return f && this.store.revision(flowId, f.draft_rev);
  }

  getDeployed(flowId: string): StoredRevision | undefined {
    const f = this.store.flow(flowId);
    return f?.deployed_rev ? this.store.revision(flowId, f.deployed_rev) : undefined;
  }

  getRevision(flowId: string, revision: number): StoredRevision | undefined {
    return this.store.revision(flowId, revision);
  }

  listRevisions(flowId: string): RevisionInfo[] {
    return this.store.revisions(flowId);
  }

  saveDraft(doc: unknown): StoredRevision {
    // Drafts come from the API, the CLI and shared editing: none may hold what a later step cannot encode.
    const unsafe = checkJsonValue(doc, { forbiddenKeys: PROTOTYPE_KEYS }).fault;
    if (unsafe) throw new FlowInvalidError([{ nodeId: null, path: unsafe.path, message: unsafe.message }]);
    const problems: Problem[] = [...checkFormat.Errors(doc)].map((e) => ({ nodeId: null, path: e.path, message: schemaErrorMessage(e) ?? e.message.charAt(0).toLowerCase() + e.message.slice(1) }));
    if (problems.length) throw new FlowInvalidError(problems);
    return this.store.saveDraft(doc as FlowDocument);
  }

  validate(doc: unknown): { ok: true } | { ok: false; problems: Problem[] } {
    const r = compileFlow(doc, this.registry, this.resolving);
    return r.ok ? { ok: true } : r;
  }

  deploy(flowId: string, doc?: unknown): Promise<StoredRevision> {
    const entry = this.entry(flowId);
    const run = entry.queue.then(() => this.deployNow(flowId, entry, doc));
    entry.queue = run.catch(() => undefined);
    return run;
  }

  private async deployNow(flowId: string, entry: FlowEntry, doc: unknown): Promise<StoredRevision> {
    const source = doc ?? this.getDraft(flowId)?.doc;
    if (source === undefined) throw new NotFoundError(`flow "${flowId}"`);
    const compiled = compileFlow(source, this.registry, this.resolving);
    const id = source !== null && typeof source === 'object' ? (source as { id?: unknown }).id : undefined;
    const problems = compiled.ok ? (this.options.cluster ? serverLocalProblems(compiled.flow) : []) : compiled.problems;
    if (typeof id === 'string' && id !== flowId) {
      problems.push({ nodeId: null, path: '/id', message: `the document's id "${id}" is not the flow "${flowId}" being deployed` });
    }
    if (!compiled.ok || problems.length) throw new FlowInvalidError(problems);
    const revision = this.store.saveDraft(compiled.flow.doc);
    const previous = entry.runtime;
    if (previous) await previous.stop();
    try {
      entry.runtime = await this.launch(flowId, compiled.flow);
    } catch (err) {
      entry.runtime = previous && (await this.relaunch(flowId, previous.flow, entry));
      throw new FlowInvalidError([{ nodeId: null, path: '', message: this.redactor.redact(`deploy failed, previous revision kept: ${(err as Error).message}`) }]);
    }
    entry.state = 'running';
    entry.error = null;
    this.store.markDeployed(flowId, revision.revision);
    this.log.info('flow deployed', { flow: flowId, revision: revision.revision });
    return revision;
  }

  private async relaunch(flowId: string, flow: CompiledFlow, entry: FlowEntry): Promise<DeployedRuntime | undefined> {
    try {
      return await this.launch(flowId, flow);
    } catch (err) {
      entry.state = 'failed';
      entry.error = this.redactor.redact((err as Error).message);
      return undefined;
    }
  }

  async deleteFlow(flowId: string): Promise<boolean> {
    const entry = this.entries.get(flowId);
    await entry?.queue;
    await entry?.runtime?.stop();
    await entry?.journal?.close();
    this.entries.delete(flowId);
    let dir: string | undefined;
    try {
      dir = this.flowDir(flowId);
    } catch (err) {
      if (!(err instanceof PathEscapeError)) throw err;
      this.log.warn('flow deleted without touching the file system: its id is not a safe name', { flow: flowId, error: err.message });
    }
    const existed = this.store.delete(flowId);
    this.collab.delete(flowId);
    if (dir) rmSync(dir, { recursive: true, force: true });
    return existed;
  }

  status(flowId: string): FlowStatus | undefined {
    const flow = this.store.flow(flowId);
    if (!flow) return undefined;
    const entry = this.entries.get(flowId);
    return {
      id: flowId, deployedRevision: flow.deployed_rev, state: entry?.state ?? 'not-deployed', error: entry?.error ?? null,
      journal: entry?.journal?.stats() ?? null,
      deadLetters: entry?.journal?.pendingDeadLetters() ?? 0,
      nodes: entry?.runtime?.counters() ?? {},
      ...(entry?.runtime instanceof ClusterFlowRuntime ? { cluster: clusterStatus(entry.runtime) } : {}),
    };
  }

  nodeState(flowId: string, nodeId: string): unknown {
    const rt = this.entries.get(flowId)?.runtime;
    if (!rt?.flow.nodes.has(nodeId)) throw new NotFoundError(`node "${nodeId}" in flow "${flowId}"`);
    return rt.nodeState(nodeId) ?? null;
  }

  private deployedJournal(flowId: string): FlowJournal {
    if (!this.store.flow(flowId)) throw new NotFoundError(`flow "${flowId}"`);
    const journal = this.entries.get(flowId)?.journal;
    if (journal) return journal;
    if (this.options.cluster) throw new NotFoundError(`the journal of flow "${flowId}" (not deployed on this server)`);
    return this.journalOf(flowId);
  }

  async deadLetters(flowId: string, query: { state?: DeadLetterState; limit?: number; afterId?: number }): Promise<DeadLetter[]> {
    return this.deployedJournal(flowId).deadLetters(query);
  }

  async replayDeadLetter(flowId: string, id: number): Promise<void> {
    const journal = this.deployedJournal(flowId);
    if (!(await journal.deadLetter(id))) throw new NotFoundError(`dead letter ${id} of flow "${flowId}"`);
    await journal.replayDeadLetter(id);
  }

  async discardDeadLetter(flowId: string, id: number): Promise<void> {
    const journal = this.deployedJournal(flowId);
    if (!(await journal.deadLetter(id))) throw new NotFoundError(`dead letter ${id} of flow "${flowId}"`);
    await journal.discardDeadLetter(id);
  }

  async *journal(flowId: string, from: number, limit: number): AsyncIterable<JournalExport> {
    for await (const e of this.deployedJournal(flowId).export(from, limit)) yield { ...e, records: [...e.records] };
  }

  queryNode(flowId: string, nodeId: string, name: string, params: { [key: string]: string }): unknown {
    const rt = this.entries.get(flowId)?.runtime;
    if (!rt?.flow.nodes.has(nodeId)) throw new NotFoundError(`node "${nodeId}" of the deployed flow "${flowId}"`);
    const query = rt.query(nodeId, name);
    if (!query) {
      const known = rt.queryNames(nodeId);
      throw new NotFoundError(`query "${name}" of node "${nodeId}" (it answers ${known.length ? known.join(', ') : 'no queries'})`);
    }
    return query(params);
  }

  widgets(): WidgetInfo[] {
    return [...this.entries.values()].flatMap((e) => (e.state === 'running' ? e.runtime?.widgets() ?? [] : []));
  }

  widget(flowId: string, nodeId: string): WidgetInfo | undefined {
    const entry = this.entries.get(flowId);
    return entry?.state === 'running' ? entry.runtime?.widget(nodeId) : undefined;
  }

  async clusterView(): Promise<ClusterView | undefined> {
    const cluster = this.options.cluster;
    if (!cluster) return undefined;
    const flows = [...this.entries.values()].map((e) => e.runtime).filter((r): r is ClusterFlowRuntime => r instanceof ClusterFlowRuntime);
    return clusterView(cluster, flows);
  }

  /** Every dead letter of a flow created before `before`, read in pages (a report's completeness section). */
  private async *deadLettersBefore(flowId: string, before: number): AsyncIterable<DeadLetter> {
    const journal = this.entries.get(flowId)?.journal;
    if (!journal) return;
    for (let afterId = 0; ;) {
      const page = await journal.deadLetters({ limit: 1000, afterId });
      for (const letter of page) if (letter.createdAt < before) yield letter;
      if (page.length < 1000) return;
      afterId = page.at(-1)!.id;
    }
  }

  reports(): ReportInfo[] {
    return [...this.entries.values()].flatMap((e) => (e.state === 'running' ? e.runtime?.reports() ?? [] : []));
  }

  reportDocuments(query: DocumentQuery): ReportDocument[] {
    return this.reportStore.list(query);
  }

  reportDocument(documentId: number): { document: ReportDocument; pdf: Buffer } {
    const document = this.reportStore.byId(documentId);
    if (!document) throw new NotFoundError(`report document ${documentId}`);
    return { document, pdf: this.reportStore.pdf(documentId) };
  }

  requestReport(flowId: string, nodeId: string, by: string, periodKey: string | null): ReportRequest {
    const info = this.entries.get(flowId)?.state === 'running' ? this.entries.get(flowId)?.runtime?.report(nodeId) : undefined;
    if (!info) throw new NotFoundError(`report node "${nodeId}" of a running flow "${flowId}"`);
    if (periodKey !== null) {
      const period = periodOfKey(info.period, periodKey, info.timeZone);
      if (!period) throw new ConflictError(`"${periodKey}" is not a ${info.period} (e.g. ${PERIOD_KEY_EXAMPLES[info.period]})`);
      if (period.to > Date.now()) throw new ConflictError(`${periodKey} is not over yet (it ends at ${new Date(period.to).toISOString()}); a report covers a complete period`);
    }
    return this.reportStore.request(flowId, nodeId, periodKey, by);
  }

  ingress(path: string): IngressHandler | undefined {
    return this.ingressRoutes.handler(path);
  }

  debugMessages(flowId: string): DebugMessage[] {
    if (!this.store.flow(flowId)) throw new NotFoundError(`flow "${flowId}"`);
    return this.entries.get(flowId)?.runtime?.debugMessages() ?? [];
  }

  setSecret(name: string, value: string): void {
    this.secrets.set(name, value);
    this.redactor.add(value);
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  secretNames(): string[] {
    return this.secrets.names();
  }

  // Alerts: the server-wide store is the source of truth; running alert nodes hear of hand actions from it.

  listAlerts(query: AlertQuery): Alert[] {
    return this.alerts.list(query);
  }

  getAlert(alertId: string): AlertDetail | undefined {
    return this.alerts.detail(alertId);
  }

  acknowledgeAlert(alertId: string, by: string, note: string | null): AlertDetail {
    return this.alerts.acknowledge(alertId, by, note);
  }

  resolveAlert(alertId: string, by: string, note: string | null): AlertDetail {
    return this.alerts.resolve(alertId, by, note);
  }

  /** Stops every flow at a checkpoint barrier and closes the journals. */
  async close(): Promise<void> {
    for (const entry of this.entries.values()) {
      await entry.queue;
      await entry.runtime?.stop();
      await entry.journal?.close();
    }
    this.entries.clear();
    this.db.close();
  }
}

/** What the flow status says of the cluster: the replicas in force (a warning at 1) and the partitions run here. */
function clusterStatus(rt: ClusterFlowRuntime): FlowClusterStatus {
  const replicas = rt.journal.replicas;
  return {
    server: rt.cluster.serverId, replicas, natsServers: rt.cluster.link.natsServers,
    warning: replicas === 1 ? 'replicas 1: the journal has one copy, on one NATS server; losing that server\'s disk loses acknowledged readings (set settings.replicas to 3)' : null,
    stages: rt.flow.plan.stages.map((s) => ({ stage: s.index, partitions: s.partitions, partitionBy: s.keyFields })),
    owned: rt.owned(),
  };
}
