import { join } from 'node:path';
import { defineNode } from '../../server/core/define-node.js';
import { UnavailableError } from '../../server/core/failure.js';
import { QueryError } from '../../server/core/query-error.js';
import type { DataRecord, Outputs } from '../../server/core/types.js';
import { formatTime } from '../dashboard/look.js';
import { checkReport, ReportConfigSchema } from './config.js';
import { ReportDataStore } from './data-store.js';
import { targetsOf } from './deliver.js';
import { ReportIngest, RUN_FIELD } from './ingest.js';
import { ReportRunner } from './run.js';
import { Schedule, type ScheduleState } from './schedule.js';

/** Past this many rows in memory, process() commits without waiting for the checkpoint barrier. */
const COMMIT_EVERY_ROWS = 100_000;
const PRUNE_EVERY_MS = 3_600_000;
const DAY = 86_400_000;

export default defineNode({
  type: 'report',
  category: 'sink',
  label: 'report',
  inputs: { in: 'rollup windows ({ window_start, window_end, sensor, quantity, count, value_… }) and, to count them, refused readings ({ record, reason })' },
  outputs: {
    out: 'one record per delivered document: { report, period, from, to, documentId, sha256, pages, messageId, deliveredTo, at }',
    invalid: 'rows the report cannot place: { record, reason, node }',
  },
  config: ReportConfigSchema,
  check: checkReport,
  // Short: while a run is retried the flow's later entries wait behind it (the journal keeps accepting).
  retry: { maxAttempts: 4, backoffMs: 2000, maxBackoffMs: 30_000 },
  // One report covers every sensor of the period: a partition would report on part of them.
  stateKeys: () => [],
  serverLocalData: 'the windows it reports on, in its own store on the server that runs it',
  docs: `A scheduled PDF report for stakeholders, e-mailed and kept: what was measured, which limits were
exceeded, when and for how long, the period's alerts with who acknowledged and resolved them, and how
complete the data is — what a site manager sends the client and an auditor reads months later.

**Feed it** the flow's rollup windows (wire a \`rollup\`'s \`out\`, or several) and, to count refused
readings per sensor, the \`invalid\` ports of the flow's checks. It keeps the windows in its own store in
the node's data directory for \`keepDays\` (committed at checkpoint barriers, idempotent by sensor and window,
so a replay or a corrected window changes nothing twice).

**Schedule.** \`schedule\` is a 5-field cron read in \`timeZone\` (IANA, DST-aware: "0 7 * * *" runs at 07:00
local on both sides of a clock change); each run covers the complete \`period\` before it — the previous day,
week (Monday to Sunday) or month, local midnight to local midnight. Runs are driven by the flow's journaled
ticks, so a replay makes the same runs, and the runs a stopped server missed are made when it starts again.
**Run now** (the editor's Reports view, \`POST /api/reports/<flow>/<node>/run\`) runs a period on request.

**The document** (A4, page numbers, fonts embedded): title with site and period (with the time zone and its
offsets), summary figures, one chart per quantity with its limit lines (drawn with the dashboards' look),
every alert open during the period (fired, acknowledged by whom and when, resolved, how long, the notes),
exceedances per sensor and limit (limits may apply at certain hours: 75 dB(A) 07:00–19:00), the top values,
and data completeness per sensor (readings received against expected, missing time and gaps, invalid and
dead-lettered readings). A period without any data gives a "no data" report, not an error.

**Not in cluster mode.** The store is on the disk of the server that runs the node, so a cluster refuses to
deploy a report (the server taking it over would report without the windows); in a partitioned flow on one
server, put a \`repartition\` with \`"partitions": 1\` before it.

**Produced once.** A run stores its document (fsynced, \`data/reports/<flow>/<node>/<period>.pdf\`) before
sending anything, and marks each delivery before and after the SMTP transaction. A run made again (a crash,
a retry, a replayed dead letter) finds the stored document and sends the same bytes with the same
Message-ID to those still owed it. At worst, a crash between the server accepting the mail and the sent log
recording it makes a recipient get the same mail twice: same Message-ID, identical PDF.

**Delivery.** By SMTP (\`smtp\`: host, port, \`starttls\`/\`tls\`/\`none\`, user and password as
\`\${secret:NAME}\`) to \`to\` and \`cc\`, and optionally POSTed to a \`webhook\`. A refused or unreachable server is
retried with the node's retry policy, the server's answer in the node's status; after the last attempt the
run becomes a dead letter, and replaying it once the server is fixed delivers the stored document. Every
send is in the audit log (\`report.send\`), every document in \`GET /api/reports\`.

Example: \`{ "title": "Daily environmental report", "site": "Riverside Tower", "schedule": "0 7 * * *",
"timeZone": "Europe/London", "period": "day", "to": ["site.manager@example.com"], "smtp": { "host":
"smtp.example.com", "user": "\${secret:smtp_user}", "password": "\${secret:smtp_password}" }, "quantities":
[{ "id": "laeq", "label": "Noise LAeq,1min", "unit": "dB(A)", "average": "energy", "limits": [{ "value": 75,
"from": "07:00", "to": "19:00" }] }] }\``,

  report: (cfg) => ({ title: cfg.title, site: cfg.site, schedule: cfg.schedule, timeZone: cfg.timeZone, period: cfg.period, targets: targetsOf(cfg) }),

  create(cfg, ctx) {
    let store: ReportDataStore | undefined;
    let ingest: ReportIngest | undefined;
    let runner: ReportRunner | undefined;
    const schedule = new Schedule(cfg);
    let prunedAt = 0;
    let last = '';

    const opened = (): ReportDataStore => {
      if (!store) throw new QueryError(`report "${ctx.nodeId}" is not running`);
      return store;
    };
    const commit = () => {
      try {
        opened().commit();
      } catch (err) {
        throw new UnavailableError(`the report's data could not be written: ${(err as Error).message}`, { cause: err });
      }
    };
    const idleText = () => {
      const next = schedule.state.nextAt === null ? '' : `next run ${formatTime(schedule.state.nextAt, cfg.timeZone)} (${cfg.timeZone})`;
      const skipped = schedule.skipped ? `; ${schedule.skipped} runs missed while stopped were skipped` : '';
      return [last, next].filter(Boolean).join(' · ') + skipped;
    };

    return {
      start() {
        store = ReportDataStore.open(join(ctx.dataDir, 'report-data.db'));
        ingest = new ReportIngest(cfg, store, ctx.nodeId);
        runner = new ReportRunner(cfg, ctx, store);
        ctx.status({ state: 'running', text: `${store.seriesCount} series stored · ${targetsOf(cfg).length} targets` });
      },
      due(now): DataRecord[] {
        const runs = schedule.due(now, (...args) => ctx.services.reports.requests(...args), ctx.flowId, ctx.nodeId);
        return runs.map((run) => ({ [RUN_FIELD]: run }));
      },
      async process(batch, meta): Promise<Outputs | void> {
        const { runs, invalid } = ingest!.take(batch, meta);
        if (opened().pendingRows >= COMMIT_EVERY_ROWS) commit();
        if (meta.ts - prunedAt >= PRUNE_EVERY_MS && Number.isFinite(ingest!.newest)) {
          prunedAt = meta.ts;
          commit();
          opened().prune(ingest!.newest - cfg.keepDays * DAY);
        }
        const sent: DataRecord[] = [];
        for (const run of runs) {
          const outcome = await runner!.run(run, meta.offset);
          const d = outcome.document;
          last = `${d.edition} ${outcome.delivered.length ? `sent to ${outcome.delivered.length} target${outcome.delivered.length === 1 ? '' : 's'}` : d.deliveries.length ? 'already delivered' : 'stored'} at ${formatTime(Date.now(), cfg.timeZone)}`;
          sent.push(ReportRunner.record(outcome));
        }
        if (runs.length) ctx.status({ state: 'running', text: idleText() });
        const out: Outputs = {};
        if (sent.length) out.out = sent;
        if (invalid.length) out.invalid = invalid;
        return out;
      },
      flush() {
        commit();
      },
      stop() {
        try {
          store?.commit();
        } finally {
          store?.close();
          store = undefined;
        }
      },
      snapshot(): ScheduleState {
        return { ...schedule.state };
      },
      restore(state) {
        const s = state as Partial<ScheduleState> | undefined;
        if (s) schedule.state = { lastTick: s.lastTick ?? null, nextAt: s.nextAt ?? null };
      },
      queries: {
        schedule() {
          return { nextRunAt: schedule.state.nextAt, lastTick: schedule.state.lastTick, timeZone: cfg.timeZone, status: idleText() };
        },
      },
    };
  },
});
