import { createHash } from 'node:crypto';
import type { ReportDocument, ReportService } from '../../server/core/services.js';
import type { ReportConfig } from './config.js';

/** What a delivery sends: the stored document's bytes and the texts made with it. */
export interface Parcel {
  document: ReportDocument;
  pdf: Buffer;
  subject: string;
  text: string;
  downloadName: string;
}

export const WEBHOOK_TARGET = 'webhook';
const MAIL_PREFIX = 'mail:';

export function targetsOf(cfg: ReportConfig): string[] {
  const mail = cfg.smtp.host ? [...cfg.to, ...cfg.cc].map((a) => `${MAIL_PREFIX}${a.toLowerCase()}`) : [];
  return [...new Set(mail), ...(cfg.webhook.url ? [WEBHOOK_TARGET] : [])];
}

/** `<2026-03-29.site-report.construction-site-monitoring@example.com>`: the same for every send of an edition. */
export function messageIdOf(cfg: ReportConfig, flowId: string, nodeId: string, edition: string): string {
  const domain = /@([^\s>@]+)>?\s*$/.exec(cfg.from)?.[1] ?? 'sluice.invalid';
  return `<${edition}.${nodeId}.${flowId}@${domain}>`;
}

/**
 * Sends the document to every target that does not have it yet: one SMTP transaction for the mail
 * recipients still owed it, then the webhook. Each attempt is marked in the store before it starts and
 * each delivery once the server accepted it, so a crash in between can repeat a delivery (the same bytes,
 * the same Message-ID) but never send other contents, and a retry never mails those who already have it.
 * Throws with the servers' reasons when a target is still owed it; the executor retries and then keeps
 * the run as a dead letter.
 */
export async function deliver(cfg: ReportConfig, store: ReportService, parcel: Parcel, signal: AbortSignal): Promise<string[]> {
  const owed = parcel.document.deliveries.filter((d) => d.state !== 'delivered').map((d) => d.target);
  const failures: string[] = [];
  const mail = owed.filter((t) => t.startsWith(MAIL_PREFIX));
  if (mail.length) {
    store.attempt(parcel.document.id, mail);
    const result = await sendMail(cfg, parcel, mail.map((t) => t.slice(MAIL_PREFIX.length)));
    if (result.accepted.length) store.delivered(parcel.document.id, result.accepted.map((a) => `${MAIL_PREFIX}${a}`), result.response);
    for (const [reason, addresses] of result.refused) {
      store.failed(parcel.document.id, addresses.map((a) => `${MAIL_PREFIX}${a}`), reason);
      failures.push(`${addresses.join(', ')}: ${reason}`);
    }
  }
  if (owed.includes(WEBHOOK_TARGET)) {
    store.attempt(parcel.document.id, [WEBHOOK_TARGET]);
    try {
      const answer = await postWebhook(cfg, parcel, signal);
      store.delivered(parcel.document.id, [WEBHOOK_TARGET], answer);
    } catch (err) {
      const reason = (err as Error).message;
      store.failed(parcel.document.id, [WEBHOOK_TARGET], reason);
      failures.push(`webhook: ${reason}`);
    }
  }
  if (failures.length) throw new Error(`report ${parcel.document.edition} not delivered to ${failures.join('; ')}`);
  return owed;
}

interface MailResult {
  accepted: string[];
  /** Reason → addresses refused for it. */
  refused: Map<string, string[]>;
  response: string;
}

interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  rejected?: string[];
  rejectedErrors?: SmtpError[];
  recipient?: string;
}

/** `SMTP mail.example.com:587 answered 550 5.1.1 …`, or why it could not be reached: what an operator needs to fix it. */
function smtpReason(cfg: ReportConfig, err: SmtpError): string {
  const server = `SMTP ${cfg.smtp.host}:${cfg.smtp.port}`;
  if (err.response) return `${server} answered ${err.response.replace(/\s+/g, ' ').trim()}`;
  const cause = err.message.replace(/\s+/g, ' ').trim();
  return err.code === 'ECONNECTION' || err.code === 'ETIMEDOUT' || err.code === 'ESOCKET' || err.code === 'EDNS'
    ? `${server} could not be reached (${err.code}): ${cause}` : `${server}: ${cause}`;
}

async function sendMail(cfg: ReportConfig, parcel: Parcel, recipients: string[]): Promise<MailResult> {
  const nodemailer = (await import('nodemailer')).default;
  const { smtp } = cfg;
  const transport = nodemailer.createTransport({
    host: smtp.host, port: smtp.port, secure: smtp.security === 'tls', requireTLS: smtp.security === 'starttls', ignoreTLS: smtp.security === 'none',
    auth: smtp.user ? { user: smtp.user, pass: smtp.password } : undefined,
    connectionTimeout: smtp.timeoutMs, greetingTimeout: smtp.timeoutMs, socketTimeout: smtp.timeoutMs, disableFileAccess: true, disableUrlAccess: true,
  });
  const { document, pdf } = parcel;
  try {
    const info = await transport.sendMail({
      from: cfg.from, to: cfg.to, cc: cfg.cc, subject: parcel.subject, text: parcel.text,
      // The envelope names only those still owed the mail; the headers name everyone, as in the first send.
      envelope: { from: addressOf(cfg.from), to: recipients },
      messageId: document.messageId, date: new Date(document.asOf),
      // Fixed boundaries: a mail sent again is the same message, byte for byte.
      baseBoundary: document.sha256.slice(0, 16),
      headers: { 'X-Sluice-Report': `${document.flowId}/${document.nodeId}/${document.edition}`, 'X-Sluice-Report-SHA256': document.sha256 },
      attachments: [{ filename: parcel.downloadName, content: pdf, contentType: 'application/pdf' }],
    } as Parameters<typeof transport.sendMail>[0]);
    const refused = new Map<string, string[]>();
    for (const e of (info as { rejectedErrors?: SmtpError[] }).rejectedErrors ?? []) {
      const reason = smtpReason(cfg, e);
      refused.set(reason, [...(refused.get(reason) ?? []), String(e.recipient ?? '').toLowerCase()]);
    }
    const accepted = (info.accepted as (string | { address: string })[]).map((a) => (typeof a === 'string' ? a : a.address).toLowerCase());
    return { accepted, refused, response: `${info.response}` };
  } catch (err) {
    return { accepted: [], refused: new Map([[smtpReason(cfg, err as SmtpError), recipients]]), response: '' };
  } finally {
    transport.close();
  }
}

function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}

async function postWebhook(cfg: ReportConfig, parcel: Parcel, signal: AbortSignal): Promise<string> {
  const { document } = parcel;
  const res = await fetch(cfg.webhook.url, {
    method: 'POST', body: parcel.pdf, signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.smtp.timeoutMs)]),
    headers: {
      'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${parcel.downloadName}"`,
      // A receiver that keeps what it got can drop a repeat by this key.
      'idempotency-key': createHash('sha256').update(document.messageId).digest('hex'),
      'x-sluice-report': `${document.flowId}/${document.nodeId}/${document.edition}`, 'x-sluice-report-sha256': document.sha256,
      ...cfg.webhook.headers,
    },
  }).catch((err: unknown) => {
    throw new Error(`webhook could not be reached: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`);
  });
  const body = (await res.text()).slice(0, 300).replace(/\s+/g, ' ').trim();
  if (!res.ok) throw new Error(`webhook answered ${res.status}${body ? `: ${body}` : ''}`);
  return `${res.status}${body ? ` ${body}` : ''}`;
}
