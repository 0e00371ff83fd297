import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord } from '../server/core/types.js';
import { maxCursor } from './api-poller/cursor.js';
import { fetchAllPages, type FetchSettings, type PollProblem } from './api-poller/fetch-device.js';
import { isTimeZone, nextCronTime, parseCron } from './lib/cron.js';
import { fieldGetter } from './lib/field-path.js';
import { Stopped } from './lib/http-fetch.js';
import { parsePointer } from './lib/json-pointer.js';
import { reportLoopFailure } from './lib/loop-failure.js';
import { isJournalFull } from './lib/source-appender.js';
import { sleep } from './lib/sleep.js';
import { encodeUrlValue, headerValue, parseTemplate, type Template } from './lib/template.js';

const config = Type.Object({
  url: Type.String({ title: 'URL', minLength: 1, description: 'URL template; {{device}} and {{cursor}} are substituted (URL-encoded), e.g. http://vendor/devices/{{device}}/readings?since={{cursor}}.' }),
  devices: Type.Array(Type.String({ minLength: 1 }), { title: 'Devices', default: [], description: 'Devices polled one URL each, with a cursor each; empty = one URL, one cursor.' }),
  deviceField: Type.String({ title: 'Device field', default: '', description: 'When set, each record gets this field holding its device (records that have it keep theirs).' }),
  method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], { title: 'Method', default: 'GET', description: 'HTTP method.' }),
  headers: Type.Record(Type.String(), Type.String(), { title: 'Headers', default: {}, description: 'Request headers, e.g. { "X-API-Key": "${secret:vendor_key}" }; {{device}} and {{cursor}} are substituted.' }),
  body: Type.String({ title: 'Body', default: '', description: 'Request body template for POST; {{device}} and {{cursor}} are substituted as they are; empty = no body.' }),
  intervalMs: Type.Integer({ title: 'Interval (ms)', default: 60_000, minimum: 100, description: 'Time between the starts of two polls, when no cron schedule is set.' }),
  cron: Type.String({ title: 'Cron schedule', default: '', description: 'Five-field cron schedule (minute hour day month weekday), e.g. "*/5 * * * *"; overrides intervalMs.' }),
  timezone: Type.String({ title: 'Timezone', default: 'UTC', description: 'IANA time zone the cron schedule is read in, e.g. Europe/Paris.' }),
  timeoutMs: Type.Integer({ title: 'Timeout (ms)', default: 10_000, minimum: 1, description: 'Longest wait for a complete answer to one request.' }),
  recordsPointer: Type.String({ title: 'Records (JSON pointer)', default: '', description: 'JSON pointer to the array of records in the response body; empty = the body is the array.' }),
  cursor: Type.Object({
    field: Type.String({ title: 'Field', default: '', description: 'Record field (dotted path) whose highest value becomes the next cursor, e.g. timestamp; empty = no cursor.' }),
    initial: Type.String({ title: 'Initial', default: '', description: 'Cursor sent before any record was seen.' }),
  }, { title: 'Cursor', default: {}, additionalProperties: false, description: 'Incremental polling: the API must return the records strictly after the cursor.' }),
  pagination: Type.Object({
    mode: Type.Union([Type.Literal('none'), Type.Literal('next-link'), Type.Literal('page')], { title: 'Mode', default: 'none', description: 'next-link: follow a link to the next page; page: count a page parameter up until a page is empty.' }),
    nextPointer: Type.String({ title: 'Next page (JSON pointer)', default: '/next', description: 'next-link: JSON pointer to the next page URL in the body; empty = the Link header (rel="next").' }),
    pageParam: Type.String({ title: 'Page param', default: 'page', minLength: 1, description: 'page: query parameter holding the page number.' }),
    firstPage: Type.Integer({ title: 'First page', default: 1, minimum: 0, description: 'page: number of the first page.' }),
    maxPages: Type.Integer({ title: 'Max pages', default: 100, minimum: 1, description: 'Most pages fetched in one poll; the next poll continues from the cursor.' }),
  }, { title: 'Pagination', default: {}, additionalProperties: false }),
  retry: Type.Object({
    maxAttempts: Type.Integer({ title: 'Max attempts', default: 5, minimum: 1, description: 'Attempts per request for 5xx, 408, 429, timeouts and connection errors.' }),
    backoffMs: Type.Integer({ title: 'Backoff (ms)', default: 500, minimum: 1, description: 'Wait before the second attempt; doubled each time.' }),
    maxBackoffMs: Type.Integer({ title: 'Max backoff (ms)', default: 30_000, minimum: 1, description: 'Longest wait between attempts.' }),
  }, { title: 'Retry', default: {}, additionalProperties: false }),
  concurrency: Type.Integer({ title: 'Concurrency', default: 4, minimum: 1, maximum: 64, description: 'Devices fetched at the same time.' }),
}, { additionalProperties: false });

type Config = typeof config.static;
type Cursors = { [device: string]: unknown };

/** The cursor key when the API is not per device. */
const SINGLE = '*';

function templates(cfg: Config): { url: Template; headers: [string, Template][]; body?: Template } {
  return {
    url: parseTemplate(cfg.url),
    headers: Object.entries(cfg.headers).map(([name, value]) => [name, parseTemplate(value)]),
    body: cfg.body === '' ? undefined : parseTemplate(cfg.body),
  };
}

function check(cfg: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const t = templates(cfg);
  const used = [...t.url.fields.map((f) => ['/url', f]), ...t.headers.flatMap(([n, h]) => h.fields.map((f) => [`/headers/${n}`, f])), ...(t.body?.fields.map((f) => ['/body', f]) ?? [])];
  for (const [path, field] of used) {
    if (field !== 'device' && field !== 'cursor') problems.push({ path: path!, message: `unknown placeholder {{${field}}}: use {{device}} or {{cursor}}` });
    if (field === 'device' && cfg.devices.length === 0) problems.push({ path: path!, message: '{{device}} needs a list of devices' });
  }
  try {
    new URL(t.url.render(() => 'x', encodeUrlValue));
  } catch {
    problems.push({ path: '/url', message: `"${cfg.url}" is not an absolute URL` });
  }
  if (cfg.cron !== '') {
    try {
      parseCron(cfg.cron);
    } catch (err) {
      problems.push({ path: '/cron', message: (err as Error).message });
    }
  }
  if (!isTimeZone(cfg.timezone)) problems.push({ path: '/timezone', message: `unknown time zone "${cfg.timezone}"` });
  for (const [path, pointer] of [['/recordsPointer', cfg.recordsPointer], ['/pagination/nextPointer', cfg.pagination.nextPointer]] as const) {
    try {
      parsePointer(pointer);
    } catch (err) {
      problems.push({ path, message: (err as Error).message });
    }
  }
  return problems;
}

function readCursors(saved: unknown): Cursors {
  return saved !== null && typeof saved === 'object' && !Array.isArray(saved) ? { ...(saved as Cursors) } : {};
}

/** Runs appends one after the other, so each commits the cursors of every append before it. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The caller receives `result` and handles its rejection; the queue only needs to know it settled.
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}

type Outcome = { kind: 'ok'; records: number } | { kind: 'failed'; error: string } | { kind: 'refused'; error: string } | { kind: 'stopped' };

export default defineNode({
  type: 'api-poller',
  category: 'source',
  label: 'API poller',
  inputs: {},
  outputs: {
    out: 'records from the API, as the API sent them',
    error: 'failed polls: { device, url, method, status, error, body, attempts, cursor }',
  },
  config,
  check,
  docs: `Polls an HTTP API on an interval or a cron schedule and journals the records it returns.

**Request.** \`url\`, \`headers\` and \`body\` are templates: \`{{device}}\` and \`{{cursor}}\` (also \`{device}\`)
are substituted, URL-encoded in the URL. Secrets are references resolved at deploy:
\`"headers": { "X-API-Key": "\${secret:vendor_key}" }\`. The array of records is found at \`recordsPointer\`
(a JSON pointer, \`/data/items\`; empty = the body itself).

**Devices and cursors.** With \`devices\`, each device is polled with its own URL and its own cursor
(\`concurrency\` at a time). With \`cursor.field\`, the highest value of that field among the records received
(numbers, or ISO date strings compared as instants) is sent as \`{{cursor}}\` next time; the API must return
the records strictly after it. The node's source state is \`{ [device]: cursor }\` (\`"*"\` without devices).

**Guarantees.** All pages of a device's poll are committed with its new cursor in one journal append: a crash
never skips nor repeats a page, and a restart resumes from the last committed cursor. A poll still running when
the next one is due is not started twice (the slot is skipped and counted). With \`maxPages\` reached, the
records so far are committed and the next poll continues from their cursor (this needs an API that returns
records in ascending cursor order). One poll of one device is one journal append, so it must fit under the
flow's journal quota: keep \`maxPages\` × page size well below it.

**Errors.** 5xx, 408, 425, 429, timeouts and connection errors are retried with \`retry\` (status \`retrying\`).
Any other status, a body that is not JSON (or is nested deeper than 64 levels, holds a \`__proto__\` key, or
is larger than 64 MB, which is not read), or retries exhausted: the device's cursor is kept, one record goes
to \`error\` (\`status\`, \`error\`, the first 500 characters of \`body\`, \`url\` with credential-looking query
values masked) and the next poll tries again. Redirects are not followed; a next link to another origin is
refused (the headers carry credentials). When the journal is full the poll is skipped, cursors are kept and
the status is \`refused\` until a later poll commits.

**Pagination.** \`next-link\`: follow the URL at \`nextPointer\` in the body (or the \`Link: <…>; rel="next"\`
header when \`nextPointer\` is empty) until it is missing. \`page\`: set \`pageParam\` = \`firstPage\`, +1, …
until a page has no records.

**Schedule.** \`intervalMs\` polls at start, then every interval. \`cron\` (\`*/5 * * * *\`, lists, ranges,
steps, names, \`@hourly\`) is read in \`timezone\`; the first poll waits for the first matching minute. A
local time skipped by a DST change does not run; a repeated hour runs at both instants.

Query \`state\`: committed cursors and poll counters.

Example: \`{ "url": "https://vendor.example/devices/{{device}}/readings?since={{cursor}}", "devices": ["d1", "d2"],
"deviceField": "device", "cursor": { "field": "timestamp", "initial": "1970-01-01T00:00:00Z" },
"headers": { "X-API-Key": "\${secret:vendor_key}" }, "cron": "*/5 * * * *" }\``,

  create(cfg, ctx) {
    const t = templates(cfg);
    const cursorField = cfg.cursor.field === '' ? undefined : fieldGetter(cfg.cursor.field);
    const devices = cfg.devices.length > 0 ? cfg.devices : [SINGLE];
    const schedule = cfg.cron === '' ? undefined : parseCron(cfg.cron);
    const nextSlot = (after: number): number => (schedule ? nextCronTime(schedule, after, cfg.timezone) : after + cfg.intervalMs);
    const stopper = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stopper.signal]);
    const appends = new Serial();
    const committed: Cursors = readCursors(ctx.sourceState());
    const counters = { polls: 0, skipped: 0, records: 0, failures: 0, refusals: 0 };
    let loop: Promise<void> | undefined;

    const recordsAt = parsePointer(cfg.recordsPointer);
    const pages = { ...cfg.pagination, next: cfg.pagination.nextPointer === '' ? undefined : parsePointer(cfg.pagination.nextPointer) };
    const cursorOf = (device: string): unknown => committed[device] ?? cfg.cursor.initial;
    const fetchSettings = (device: string, cursor: unknown, lookup: (name: string) => unknown): FetchSettings => ({
      method: cfg.method, timeoutMs: cfg.timeoutMs, retry: cfg.retry, signal,
      headers: Object.fromEntries(t.headers.map(([name, h]) => [name, h.render(lookup, headerValue)])),
      body: t.body?.render(lookup),
      records: recordsAt, pages,
      onRetry(message, attempt, delayMs) {
        const who = device === SINGLE ? '' : `device ${device}: `;
        ctx.status({ state: 'retrying', text: `${who}attempt ${attempt} of ${cfg.retry.maxAttempts} in ${delayMs} ms after ${message}` });
      },
    });

    function stamp(records: DataRecord[], device: string): DataRecord[] {
      if (cfg.deviceField === '' || device === SINGLE) return records;
      return records.map((r) => (r[cfg.deviceField] === undefined ? { ...r, [cfg.deviceField]: device } : r));
    }

    async function report(device: string, cursor: unknown, problem: PollProblem): Promise<Outcome> {
      counters.failures++;
      const record = { ...(device === SINGLE ? {} : { device }), ...problem, cursor: cursor ?? null };
      ctx.log.warn('poll failed', { device, url: problem.url, error: problem.error });
      try {
        await appends.run(() => ctx.append([record], { port: 'error' }));
      } catch (err) {
        if (isJournalFull(err)) return { kind: 'refused', error: (err as Error).message };
        ctx.log.error('could not journal a failed poll', { device, error: (err as Error).message });
      }
      return { kind: 'failed', error: `${device === SINGLE ? '' : `${device}: `}${problem.error}` };
    }

    async function pollDevice(device: string): Promise<Outcome> {
      const cursor = cursorOf(device);
      const lookup = (name: string): unknown => (name === 'device' ? device : name === 'cursor' ? cursor : undefined);
      const result = await fetchAllPages(t.url.render(lookup, encodeUrlValue), fetchSettings(device, cursor, lookup));
      if (!result.ok) return report(device, cursor, result.problem);
      if (result.truncated) ctx.log.warn('page limit reached; the next poll continues from the cursor', { device, pages: result.pages });
      const next = cursorField ? maxCursor(committed[device], result.records, cursorField) : undefined;
      if (result.records.length === 0) return { kind: 'ok', records: 0 };
      const records = stamp(result.records, device);
      try {
        await appends.run(async () => {
          // Built inside the queue: it must hold the cursors every earlier append committed.
          const state = next === undefined ? undefined : { ...committed, [device]: next };
          await ctx.append(records, { sourceState: state });
          if (next !== undefined) committed[device] = next;
        });
      } catch (err) {
        if (isJournalFull(err)) return { kind: 'refused', error: (err as Error).message };
        throw err;
      }
      counters.records += records.length;
      return { kind: 'ok', records: records.length };
    }

    async function pollAll(): Promise<Outcome[]> {
      const outcomes: Outcome[] = [];
      let nextIndex = 0;
      let refused = false;
      const worker = async (): Promise<void> => {
        // Once the journal refuses, fetching more devices would only fetch what cannot be kept.
        while (nextIndex < devices.length && !refused && !signal.aborted) {
          const device = devices[nextIndex++]!;
          let outcome: Outcome;
          try {
            outcome = await pollDevice(device);
          } catch (err) {
            if (err instanceof Stopped) outcome = { kind: 'stopped' };
            else outcome = { kind: 'failed', error: `${device}: ${(err as Error).message}` };
          }
          if (outcome.kind === 'refused') refused = true;
          outcomes.push(outcome);
        }
      };
      await Promise.all(Array.from({ length: Math.min(cfg.concurrency, devices.length) }, worker));
      return outcomes;
    }

    function showOutcome(outcomes: Outcome[], nextAt: number): void {
      const at = `next poll ${new Date(nextAt).toISOString()}`;
      const refused = outcomes.find((o) => o.kind === 'refused');
      if (refused && refused.kind === 'refused') {
        counters.refusals++;
        ctx.status({ state: 'refused', text: `${refused.error}; poll skipped, cursors kept; ${at}` });
        return;
      }
      const failed = outcomes.filter((o): o is Extract<Outcome, { kind: 'failed' }> => o.kind === 'failed');
      const records = outcomes.reduce((n, o) => n + (o.kind === 'ok' ? o.records : 0), 0);
      const skipped = counters.skipped > 0 ? `; ${counters.skipped} polls skipped while one was running` : '';
      if (failed.length > 0) {
        ctx.status({ state: 'error', text: `${failed.length} of ${devices.length} failed: ${failed[0]!.error}; ${at}` });
      } else {
        ctx.status({ state: 'running', text: `${records} records; ${at}${skipped}` });
      }
    }

    async function run(): Promise<void> {
      let due = schedule ? nextSlot(Date.now()) : Date.now();
      ctx.status({ state: 'running', text: `first poll ${new Date(due).toISOString()}` });
      while (await sleep(Math.max(0, due - Date.now()), signal)) {
        const started = Date.now();
        const outcomes = await pollAll();
        if (signal.aborted) return;
        counters.polls++;
        // Slots that passed while this poll ran are skipped, never run late on top of each other.
        let next = nextSlot(schedule ? started : due);
        const now = Date.now();
        while (next <= now) {
          counters.skipped++;
          next = nextSlot(next);
        }
        showOutcome(outcomes, next);
        due = next;
      }
    }

    return {
      start() {
        loop = run().catch(reportLoopFailure(ctx, 'api-poller'));
      },
      async stop() {
        stopper.abort();
        await loop;
      },
      queries: {
        state: () => ({ cursors: { ...committed }, ...counters }),
      },
    };
  },
});

