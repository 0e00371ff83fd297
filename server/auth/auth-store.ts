import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { checkPasswordPolicy, decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { isRole, type Role, type Scope } from './roles.js';
import { newApiToken, parseApiToken, randomSecret, sameSecret, sha256 } from './secrets.js';

/** A session is dropped after a day without requests, and after 30 days in any case. */
const SESSION_IDLE_MS = 24 * 3600_000;
const SESSION_MAX_MS = 30 * 24 * 3600_000;
/** Sliding the idle expiry costs a write: done at most once per 5 minutes per session. */
const SESSION_TOUCH_MS = 5 * 60_000;
export const LOGIN_LINK_TTL_MS = 3600_000;
/** External (scoped) tokens are rate-limited; this many requests per minute unless the token says otherwise. */
export const DEFAULT_EXTERNAL_RATE = 60;

export interface User { name: string; role: Role; createdAt: number }

export interface TokenInfo {
  id: string;
  name: string;
  scopes: Scope[];
  /** Requests per minute; null: not limited (role tokens without an explicit rate). */
  ratePerMinute: number | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

/** Who is calling. `name` is what the audit log records. */
export type Principal =
  | { kind: 'session'; name: string; role: Role; csrf: string }
  | { kind: 'token'; name: string; tokenId: string; role: Role | null; scopes: Scope[]; ratePerMinute: number | null };

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  detail: unknown;
  ip: string | null;
}

/** Bad input to a user or token operation (unknown user, weak password, …): the caller reports the message. */
export class AuthInputError extends Error {
  constructor(message: string, readonly code: 'not-found' | 'conflict' | 'bad-request' = 'bad-request') {
    super(message);
    this.name = 'AuthInputError';
  }
}

const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

interface TokenRow {
  id: string; name: string; secret_hash: string; scopes: string; rate_per_minute: number | null; created_by: string;
  created_at: number; expires_at: number | null; last_used_at: number | null; revoked_at: number | null;
}

/**
 * Users, sessions, API tokens, one-time login links and the audit log, in the data directory's `sluice.db`.
 * Secrets we issue (session ids, tokens, links) are stored as SHA-256 hashes, passwords as scrypt hashes.
 * Every lookup reads the database, so `sluice user …`/`sluice token …` run beside the server take effect at once.
 */
export class AuthStore {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL,
        scopes TEXT NOT NULL, rate_per_minute INTEGER, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
        expires_at INTEGER, last_used_at INTEGER, revoked_at INTEGER);
      CREATE TABLE IF NOT EXISTS login_links (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, used_at INTEGER);
      CREATE TABLE IF NOT EXISTS audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT, ip TEXT);
    `);
  }

  /** For the CLI: the same database the server uses, opened beside it (SQLite WAL allows both). */
  static open(dataDir: string): { store: AuthStore; close(): void } {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, 'sluice.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    return { store: new AuthStore(db), close: () => db.close() };
  }

  // --- users

  users(): User[] {
    return (this.db.prepare(`SELECT name, role, created_at FROM users ORDER BY name`).all() as { name: string; role: Role; created_at: number }[])
      .map((r) => ({ name: r.name, role: r.role, createdAt: r.created_at }));
  }

  user(name: string): User | undefined {
    return this.users().find((u) => u.name === name);
  }

  hasUsers(): boolean {
    return this.db.prepare(`SELECT 1 FROM users LIMIT 1`).get() !== undefined;
  }

  hasAdmin(): boolean {
    return this.db.prepare(`SELECT 1 FROM users WHERE role = 'admin' LIMIT 1`).get() !== undefined;
  }

  async addUser(name: string, role: Role, password: string): Promise<User> {
    if (!USER_NAME.test(name)) throw new AuthInputError(`user name "${name}" must be 1-64 characters of A-Z a-z 0-9 _ . @ -`);
    if (!isRole(role)) throw new AuthInputError(`role "${String(role)}" is not viewer, editor or admin`);
    const weak = checkPasswordPolicy(password);
    if (weak) throw new AuthInputError(weak);
    const hash = await hashPassword(password);
    const createdAt = Date.now();
    const inserted = this.db.prepare(`INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO NOTHING`).run(name, role, hash, createdAt);
    if (inserted.changes === 0) throw new AuthInputError(`user "${name}" exists already`, 'conflict');
    return { name, role, createdAt };
  }

  setRole(name: string, role: Role): void {
    if (!isRole(role)) throw new AuthInputError(`role "${String(role)}" is not viewer, editor or admin`);
    this.db.transaction(() => {
      const user = this.user(name);
      if (!user) throw new AuthInputError(`no user "${name}"`, 'not-found');
      if (user.role === 'admin' && role !== 'admin') this.keepOneAdmin(name);
      this.db.prepare(`UPDATE users SET role = ? WHERE name = ?`).run(role, name);
    })();
  }

  async setPassword(name: string, password: string): Promise<void> {
    const weak = checkPasswordPolicy(password);
    if (weak) throw new AuthInputError(weak);
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      if (this.db.prepare(`UPDATE users SET password_hash = ? WHERE name = ?`).run(hash, name).changes === 0) {
        throw new AuthInputError(`no user "${name}"`, 'not-found');
      }
      // A new password ends every session opened with the old one.
      this.db.prepare(`DELETE FROM sessions WHERE user_name = ?`).run(name);
    })();
  }

  removeUser(name: string): void {
    this.db.transaction(() => {
      const user = this.user(name);
      if (!user) throw new AuthInputError(`no user "${name}"`, 'not-found');
      if (user.role === 'admin') this.keepOneAdmin(name);
      this.db.prepare(`DELETE FROM sessions WHERE user_name = ?`).run(name);
      this.db.prepare(`DELETE FROM users WHERE name = ?`).run(name);
    })();
  }

  /** A server bound to a network address refuses to start without an admin: never remove the last one. */
  private keepOneAdmin(leaving: string): void {
    const others = this.db.prepare(`SELECT count(*) AS n FROM users WHERE role = 'admin' AND name <> ?`).get(leaving) as { n: number };
    if (others.n === 0) throw new AuthInputError(`"${leaving}" is the last admin; add another admin first`, 'conflict');
  }

  /** The user when the password matches; unknown users cost the same scrypt time, so timing does not reveal names. */
  async checkPassword(name: string, password: string): Promise<User | undefined> {
    const row = this.db.prepare(`SELECT name, role, password_hash, created_at FROM users WHERE name = ?`).get(name) as
      { name: string; role: Role; password_hash: string; created_at: number } | undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? await decoyHash());
    return ok && row ? { name: row.name, role: row.role, createdAt: row.created_at } : undefined;
  }

  // --- sessions

  createSession(userName: string): { id: string; csrf: string; expiresAt: number } {
    const id = randomSecret();
    const csrf = randomSecret();
    const now = Date.now();
    const expiresAt = now + SESSION_IDLE_MS;
    // Sessions nobody came back to are only noticed here: drop them, so the table does not grow.
    this.db.prepare(`DELETE FROM sessions WHERE expires_at <= ? OR created_at <= ?`).run(now, now - SESSION_MAX_MS);
    this.db.prepare(`INSERT INTO sessions (id_hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`)
      .run(sha256(id), userName, csrf, now, expiresAt);
    return { id, csrf, expiresAt };
  }

  session(id: string): Principal | undefined {
    const row = this.db.prepare(`SELECT s.id_hash, s.csrf, s.created_at, s.expires_at, u.name, u.role FROM sessions s
      JOIN users u ON u.name = s.user_name WHERE s.id_hash = ?`).get(sha256(id)) as
      { id_hash: string; csrf: string; created_at: number; expires_at: number; name: string; role: Role } | undefined;
    if (!row) return undefined;
    const now = Date.now();
    if (row.expires_at <= now || row.created_at + SESSION_MAX_MS <= now) {
      this.db.prepare(`DELETE FROM sessions WHERE id_hash = ?`).run(row.id_hash);
      return undefined;
    }
    if (row.expires_at - now < SESSION_IDLE_MS - SESSION_TOUCH_MS) {
      this.db.prepare(`UPDATE sessions SET expires_at = ? WHERE id_hash = ?`).run(now + SESSION_IDLE_MS, row.id_hash);
    }
    return { kind: 'session', name: row.name, role: row.role, csrf: row.csrf };
  }

  endSession(id: string): void {
    this.db.prepare(`DELETE FROM sessions WHERE id_hash = ?`).run(sha256(id));
  }

  // --- API tokens

  /** Answers the token text, shown once: only its hash is kept. */
  createToken(options: { name: string; scopes: Scope[]; createdBy: string; expiresAt?: number | null; ratePerMinute?: number | null }): { token: string; info: TokenInfo } {
    const external = !options.scopes.some(isRole);
    const ratePerMinute = options.ratePerMinute ?? (external ? DEFAULT_EXTERNAL_RATE : null);
    if (!/^[\w .@:/-]{1,100}$/.test(options.name)) throw new AuthInputError(`token name "${options.name}" must be 1-100 plain characters`);
    if (ratePerMinute !== null && (!Number.isInteger(ratePerMinute) || ratePerMinute < 1)) throw new AuthInputError('a rate is a whole number of requests per minute, at least 1');
    const { id, token, secretHash } = newApiToken();
    const createdAt = Date.now();
    const expiresAt = options.expiresAt ?? null;
    this.db.prepare(`INSERT INTO api_tokens (id, name, secret_hash, scopes, rate_per_minute, created_by, created_at, expires_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(id, options.name, secretHash, JSON.stringify(options.scopes), ratePerMinute, options.createdBy, createdAt, expiresAt);
    return { token, info: { id, name: options.name, scopes: options.scopes, ratePerMinute, createdBy: options.createdBy, createdAt, expiresAt, lastUsedAt: null } };
  }

  tokens(): TokenInfo[] {
    const rows = this.db.prepare(`SELECT * FROM api_tokens WHERE revoked_at IS NULL ORDER BY created_at`).all() as TokenRow[];
    return rows.map(tokenInfo);
  }

  revokeToken(id: string): TokenInfo {
    const row = this.db.prepare(`SELECT * FROM api_tokens WHERE id = ? AND revoked_at IS NULL`).get(id) as TokenRow | undefined;
    if (!row) throw new AuthInputError(`no token "${id}"`, 'not-found');
    this.db.prepare(`UPDATE api_tokens SET revoked_at = ? WHERE id = ?`).run(Date.now(), id);
    return tokenInfo(row);
  }

  /** The token's principal, or why it is refused (unknown, revoked, expired). */
  checkToken(text: string): Principal | { refused: string } {
    const parsed = parseApiToken(text);
    if (!parsed) return { refused: 'the bearer token is not a Sluice API token (slu_<id>_<secret>)' };
    const row = this.db.prepare(`SELECT * FROM api_tokens WHERE id = ?`).get(parsed.id) as TokenRow | undefined;
    if (!row || !sameSecret(sha256(parsed.secret), row.secret_hash)) return { refused: 'unknown API token' };
    if (row.revoked_at !== null) return { refused: `API token ${row.id} was revoked` };
    const now = Date.now();
    if (row.expires_at !== null && row.expires_at <= now) return { refused: `API token ${row.id} expired at ${new Date(row.expires_at).toISOString()}` };
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      this.db.prepare(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`).run(now, row.id);
    }
    const info = tokenInfo(row);
    return { kind: 'token', name: `token:${info.name}`, tokenId: info.id, role: info.scopes.find(isRole) ?? null, scopes: info.scopes, ratePerMinute: info.ratePerMinute };
  }

  // --- one-time login links

  /** A new link replaces any earlier one; it works once, within the hour. */
  createLoginLink(): string {
    const secret = randomSecret();
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM login_links`).run();
      this.db.prepare(`INSERT INTO login_links (hash, expires_at) VALUES (?, ?)`).run(sha256(secret), Date.now() + LOGIN_LINK_TTL_MS);
    })();
    return secret;
  }

  /** Marks the link used; false when it is unknown, used or expired. */
  consumeLoginLink(secret: string): boolean {
    const now = Date.now();
    return this.db.prepare(`UPDATE login_links SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?`)
      .run(now, sha256(secret), now).changes === 1;
  }

  // --- audit log

  audit(entry: { actor: string; action: string; target: string; detail?: unknown; ip?: string | null }): void {
    this.db.prepare(`INSERT INTO audit_log (at, actor, action, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(Date.now(), entry.actor, entry.action, entry.target, entry.detail === undefined ? null : JSON.stringify(entry.detail), entry.ip ?? null);
  }

  /** Newest first; `before` pages back by sequence number. */
  auditLog(query: { limit: number; before?: number; action?: string }): AuditEntry[] {
    const rows = this.db.prepare(`SELECT * FROM audit_log WHERE seq < ? AND (? IS NULL OR action = ?) ORDER BY seq DESC LIMIT ?`)
      .all(query.before ?? Number.MAX_SAFE_INTEGER, query.action ?? null, query.action ?? null, query.limit) as
      { seq: number; at: number; actor: string; action: string; target: string; detail: string | null; ip: string | null }[];
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) as unknown }));
  }
}

function tokenInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id, name: row.name, scopes: JSON.parse(row.scopes) as Scope[], ratePerMinute: row.rate_per_minute,
    createdBy: row.created_by, createdAt: row.created_at, expiresAt: row.expires_at, lastUsedAt: row.last_used_at,
  };
}
