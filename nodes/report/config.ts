import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../server/core/types.js';
import { CronError, parseCron } from '../lib/cron.js';
import { isKnownTimeZone } from '../rollup/time-zone.js';

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

const LimitSchema = Type.Object({
  value: Type.Number({ title: 'Value', description: 'The limit, in the quantity\'s unit: a window whose value is above it is an exceedance.' }),
  label: Type.String({ default: '', maxLength: 100, title: 'Label', description: 'How the report names it, e.g. "75 dB(A) day limit (07:00–19:00)"; empty: the value and unit.' }),
  level: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
    default: 'warning', title: 'Level', description: 'Colour of its line on the chart and in the tables, as on the dashboards.',
  }),
  from: Type.Optional(Type.String({ pattern: HHMM, title: 'Applies from', description: 'Local time (HH:MM, the report\'s time zone) the limit starts to apply each day; unset with "to": all day.' })),
  to: Type.Optional(Type.String({ pattern: HHMM, title: 'Applies until', description: 'Local time (HH:MM) it stops applying; before "from" means overnight (19:00 to 07:00).' })),
}, { additionalProperties: false });

const QuantitySchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, title: 'Quantity', description: 'The value of the quantity field of the rows this section reports (e.g. "laeq"); any value when the quantity field is empty.' }),
  label: Type.String({ default: '', maxLength: 100, title: 'Label', description: 'Its name in the report, e.g. "Noise LAeq,1min"; empty: the quantity.' }),
  unit: Type.String({ default: '', maxLength: 40, title: 'Unit', description: 'Printed beside values, e.g. "dB(A)", "mm/s", "µg/m³".' }),
  field: Type.String({ default: 'value_mean', minLength: 1, title: 'Value field', description: 'The row field charted and judged against the limits (e.g. value_mean, or value_max for peaks).' }),
  average: Type.Union([Type.Literal('arithmetic'), Type.Literal('energy')], {
    default: 'arithmetic', title: 'Averaging',
    description: '`energy` for levels in decibels (LAeq over the period is 10·log10 of the mean of 10^(L/10), by time); `arithmetic` for everything else (weighted by readings).',
  }),
  decimals: Type.Integer({ default: 1, minimum: 0, maximum: 6, title: 'Decimals', description: 'Decimals of the values printed.' }),
  readingEveryMs: Type.Integer({
    default: 60_000, minimum: 1, title: 'Expected reading interval (ms)',
    description: 'How often each sensor is expected to report (1000 for a 1 Hz logger): the completeness section expects the period divided by this.',
  }),
  sensors: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
    default: [], maxItems: 1000, title: 'Expected sensors',
    description: 'Sensors that must appear even when they sent nothing (then at 0 % completeness). Sensors seen in the period or the 7 days before it are listed anyway.',
  }),
  limits: Type.Array(LimitSchema, { default: [], maxItems: 10, title: 'Limits', description: 'Limits judged and drawn on the chart, each over the hours it applies.' }),
  yMin: Type.Optional(Type.Number({ title: 'Chart from', description: 'Fixed bottom of the chart\'s value axis; unset: from the data and the limits.' })),
  yMax: Type.Optional(Type.Number({ title: 'Chart to', description: 'Fixed top of the chart\'s value axis; unset: from the data and the limits.' })),
}, { additionalProperties: false });

const Addresses = (title: string, description: string) => Type.Array(Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@<>,]+@[^\\s@<>,]+$' }), {
  default: [], maxItems: 100, title, description,
});

export const ReportConfigSchema = Type.Object({
  title: Type.String({ default: 'Environmental monitoring report', minLength: 1, maxLength: 200, title: 'Title', description: 'The report\'s title, on its first page and in the mail subject.' }),
  site: Type.String({ default: '', maxLength: 200, title: 'Site', description: 'The site or project, under the title, e.g. "Riverside Tower, London E14".' }),
  preparedFor: Type.String({ default: '', maxLength: 200, title: 'Prepared for', description: 'The client or authority the report is for.' }),
  preparedBy: Type.String({ default: '', maxLength: 200, title: 'Prepared by', description: 'Who issues it (a consultancy, a site team).' }),
  notes: Type.String({ default: '', maxLength: 4000, title: 'Notes', description: 'A paragraph printed in the method section: monitoring consent, instruments, what the limits stand on.' }),
  schedule: Type.String({ default: '0 7 * * *', minLength: 1, title: 'Schedule', description: '5-field cron in the time zone below: "0 7 * * *" daily at 07:00, "0 7 * * 1" Mondays, "0 7 1 * *" the 1st of the month.' }),
  timeZone: Type.String({ default: 'UTC', minLength: 1, title: 'Time zone', description: 'IANA zone (e.g. Europe/London) of the schedule, the period\'s bounds and every time printed.' }),
  period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
    default: 'day', title: 'Period covered', description: 'The complete calendar period before each run: the previous day, week (Monday to Sunday) or month.',
  }),
  to: Addresses('To', 'Recipients of the mail.'),
  cc: Addresses('Cc', 'Copied recipients.'),
  from: Type.String({ default: 'Sluice reports <reports@sluice.invalid>', minLength: 3, maxLength: 320, title: 'From', description: 'Sender, e.g. "Site monitoring <monitoring@example.com>"; its domain ends the Message-ID.' }),
  subject: Type.String({ default: '', maxLength: 300, title: 'Subject', description: 'Mail subject; empty: "<title>: <site>, <period>".' }),
  smtp: Type.Object({
    host: Type.String({ default: '', maxLength: 300, title: 'Host', description: 'SMTP server; empty: no mail is sent (the report is still stored and listed).' }),
    port: Type.Integer({ default: 587, minimum: 1, maximum: 65535, title: 'Port', description: '587 for STARTTLS submission, 465 for TLS, 25 between servers.' }),
    security: Type.Union([Type.Literal('starttls'), Type.Literal('tls'), Type.Literal('none')], {
      default: 'starttls', title: 'Security', description: '`starttls` (required on 587), `tls` (465) or `none` (a relay on a trusted network only).',
    }),
    user: Type.String({ default: '', maxLength: 300, title: 'User', description: 'Login, usually `${secret:NAME}`; empty: no authentication.' }),
    password: Type.String({ default: '', maxLength: 1000, title: 'Password', description: 'Always a reference: `${secret:NAME}`.' }),
    timeoutMs: Type.Integer({ default: 30_000, minimum: 1000, maximum: 600_000, title: 'Timeout (ms)', description: 'Longest wait for the server at each step of the transaction.' }),
  }, { default: {}, additionalProperties: false, title: 'SMTP', description: 'The mail server the report is sent through.' }),
  webhook: Type.Object({
    url: Type.String({ default: '', maxLength: 2000, title: 'URL', description: 'Also POST the PDF here (application/pdf); empty: no webhook.' }),
    headers: Type.Record(Type.String(), Type.String(), { default: {}, title: 'Headers', description: 'Request headers, e.g. { "Authorization": "Bearer ${secret:NAME}" }.' }),
  }, { default: {}, additionalProperties: false, title: 'Webhook', description: 'An optional second delivery.' }),
  timeField: Type.String({ default: 'window_start', minLength: 1, title: 'Time field', description: 'Start of each row\'s window (epoch ms), as a rollup emits it.' }),
  endField: Type.String({ default: 'window_end', minLength: 1, title: 'End field', description: 'End of each row\'s window (epoch ms); rows without one last one expected reading interval.' }),
  sensorField: Type.String({ default: 'sensor', minLength: 1, title: 'Sensor field', description: 'The field naming the sensor.' }),
  quantityField: Type.String({ default: 'quantity', maxLength: 200, title: 'Quantity field', description: 'The field naming what a row measures; empty: every row belongs to the first quantity.' }),
  countField: Type.String({ default: 'count', maxLength: 200, title: 'Count field', description: 'Readings a row stands for (a rollup\'s count); empty or missing: one.' }),
  quantities: Type.Array(QuantitySchema, { minItems: 1, maxItems: 20, title: 'Quantities', description: 'One section per quantity: its chart, exceedances, top values and completeness.' }),
  alertNodes: Type.Array(Type.String({ minLength: 1 }), {
    default: [], maxItems: 100, title: 'Alert nodes', description: 'The alert nodes of this flow whose alerts the report documents; empty: every alert of the flow.',
  }),
  topK: Type.Integer({ default: 10, minimum: 0, maximum: 100, title: 'Top values', description: 'Rows of the "highest values" table per quantity; 0 leaves it out.' }),
  gapMinutes: Type.Integer({ default: 10, minimum: 1, maximum: 10_080, title: 'Gaps listed from (min)', description: 'Missing data at least this long is listed as a gap, with its start and end.' }),
  keepDays: Type.Integer({ default: 62, minimum: 1, maximum: 3660, title: 'Data kept (days)', description: 'How long behind the newest window the node keeps the rows it was fed, for reports run again later; at least the period and 7 days.' }),
  maxSeries: Type.Integer({ default: 500, minimum: 1, maximum: 10_000, title: 'Most sensors', description: 'Sensor × quantity series kept at most; rows of further series go to `invalid` with the reason.' }),
}, { additionalProperties: false });

export type ReportConfig = Static<typeof ReportConfigSchema>;
export type QuantityConfig = ReportConfig['quantities'][number];
export type LimitConfig = QuantityConfig['limits'][number];

const PERIOD_DAYS = { day: 1, week: 7, month: 31 } as const;

export function checkReport(cfg: ReportConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  try {
    parseCron(cfg.schedule);
  } catch (err) {
    if (!(err instanceof CronError)) throw err;
    problems.push({ path: '/schedule', message: err.message });
  }
  if (!isKnownTimeZone(cfg.timeZone)) problems.push({ path: '/timeZone', message: `"${cfg.timeZone}" is not an IANA time zone this server knows (e.g. Europe/London)` });
  const ids = cfg.quantities.map((q) => q.id);
  cfg.quantities.forEach((q, i) => {
    if (ids.indexOf(q.id) !== i) problems.push({ path: `/quantities/${i}/id`, message: `"${q.id}" is reported twice` });
    if (q.yMin !== undefined && q.yMax !== undefined && q.yMin >= q.yMax) problems.push({ path: `/quantities/${i}/yMax`, message: `must be above yMin (${q.yMin})` });
    q.limits.forEach((l, j) => {
      if ((l.from === undefined) !== (l.to === undefined)) problems.push({ path: `/quantities/${i}/limits/${j}`, message: 'give both "from" and "to", or neither (all day)' });
      else if (l.from !== undefined && l.from === l.to) problems.push({ path: `/quantities/${i}/limits/${j}/to`, message: 'must differ from "from"; leave both out for all day' });
    });
  });
  if (!cfg.quantityField && cfg.quantities.length > 1) problems.push({ path: '/quantityField', message: 'several quantities need a quantity field to tell their rows apart' });
  if (cfg.keepDays < PERIOD_DAYS[cfg.period] + 7) problems.push({ path: '/keepDays', message: `a ${cfg.period} report needs at least ${PERIOD_DAYS[cfg.period] + 7} days of rows (the period and 7 days before it)` });
  if (cfg.smtp.host && cfg.to.length + cfg.cc.length === 0) problems.push({ path: '/to', message: 'an SMTP server is set but nobody to send to' });
  if (!cfg.smtp.host && cfg.to.length + cfg.cc.length > 0) problems.push({ path: '/smtp/host', message: 'recipients are set but no SMTP server to send through' });
  if (cfg.webhook.url) {
    try {
      const u = new URL(cfg.webhook.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push({ path: '/webhook/url', message: 'must be an http(s) URL' });
    } catch {
      problems.push({ path: '/webhook/url', message: `"${cfg.webhook.url}" is not an absolute URL` });
    }
  }
  return problems;
}

/** Minutes after local midnight of "HH:MM". */
export function minuteOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Whether a limit applies at a local minute of the day (overnight spans wrap). */
export function appliesAt(limit: LimitConfig, minute: number): boolean {
  if (limit.from === undefined || limit.to === undefined) return true;
  const [a, b] = [minuteOfDay(limit.from), minuteOfDay(limit.to)];
  return a < b ? minute >= a && minute < b : minute >= a || minute < b;
}

export const quantityLabel = (q: QuantityConfig): string => q.label || q.id;
export const limitLabel = (l: LimitConfig, unit: string): string => l.label || `${l.value}${unit ? ` ${unit}` : ''}`;
