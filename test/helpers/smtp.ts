import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients of the transaction. */
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpOptions {
  /** A recipient to refuse, with the server's answer (e.g. 550): return the error text, or undefined to accept. */
  refuse?: (address: string) => { code: number; text: string } | undefined;
  /** Called once the DATA phase began; the message is accepted only when it resolves. */
  holdData?: (partial: () => Buffer) => Promise<void>;
  /** Called right after the server answered 250 to the message. */
  accepted?: () => void;
  port?: number;
}

/**
 * A real SMTP server in the test process (smtp-server, no TLS, any login accepted), keeping every message
 * it accepted. What a refused recipient or a held DATA phase looks like is up to the test.
 */
export async function startSmtp(options: SmtpOptions = {}): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void>; options: SmtpOptions }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false, banner: 'sluice test SMTP',
    onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
    onRcptTo: (address, _session, callback) => {
      const refused = options.refuse?.(address.address);
      if (!refused) return callback();
      const err = new Error(refused.text) as Error & { responseCode: number };
      err.responseCode = refused.code;
      return callback(err);
    },
    onData: (stream: SMTPServerDataStream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const received = new Promise<void>((resolve) => stream.on('end', () => resolve()));
      void (async () => {
        if (options.holdData) await options.holdData(() => Buffer.concat(chunks));
        await received;
        const raw = Buffer.concat(chunks);
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, parsed: await simpleParser(raw) });
        callback(null, `2.0.0 Ok: queued as ${mails.length}`);
        options.accepted?.();
      })();
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, options, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The PDF attached to a mail. */
export function attachedPdf(mail: ReceivedMail): Buffer {
  const pdf = mail.parsed.attachments.find((a) => a.contentType === 'application/pdf');
  if (!pdf) throw new Error(`no PDF attached to "${mail.parsed.subject}"`);
  return pdf.content;
}

/**
 * pdftotext's reading of a PDF, with the thin spaces of grouped digits as plain spaces: `layout` keeps each
 * table row on a line; `raw` keeps each cell's text together (wrapped text joined by spaces).
 */
export function pdfText(pdf: Buffer, dir: string, mode: 'layout' | 'raw' = 'layout'): string {
  const file = join(dir, 'text.pdf');
  writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', [`-${mode}`, '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/[\u202f\u00a0]/g, ' ');
  return mode === 'raw' ? text.replace(/\s+/g, ' ') : text;
}

/** Page `page` rendered to PNG by pdftoppm; answers the PNG's path. */
export function pdfPagePng(pdf: Buffer, dir: string, out: string, page = 1, dpi = 110): string {
  const file = join(dir, 'page.pdf');
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', file, out]);
  return `${out}.png`;
}
