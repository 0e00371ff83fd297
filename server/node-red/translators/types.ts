import type { NrNode } from '../model.js';

/** What a translator may ask of the import while translating one node. */
export interface TranslateContext {
  /** A config node of the export (mqtt-broker, tls-config, …) by id. */
  configNode(id: unknown): NrNode | undefined;
  /** A `${secret:NAME}` reference, recorded in the report's list of secrets to set. */
  secret(name: string, what: string): string;
  /** The Sluice id this node gets, for defaults derived from it. */
  sluiceId: string;
}

export type Translation =
  | {
    status: 'translated' | 'approximated';
    type: string;
    config: { [key: string]: unknown };
    notes: string[];
    /** Sluice port of each Node-RED output, by index (default `out`, `out2`, …). */
    ports?: string[];
    /** A source: it takes no input (wires into it are reported, not kept). */
    source?: boolean;
  }
  | { status: 'needs-hand'; reason: string };

export type Translator = (node: NrNode, ctx: TranslateContext) => Translation;

export function needsHand(reason: string): Translation {
  return { status: 'needs-hand', reason };
}

/** A source's translation: like `done`, and wires into it are refused. */
export function source(type: string, config: { [key: string]: unknown }, notes: string[]): Translation {
  return { ...done(type, config, notes), source: true } as Translation;
}

/** `translated` when nothing needed saying, else `approximated` with what differs. */
export function done(type: string, config: { [key: string]: unknown }, notes: string[], ports?: string[]): Translation {
  return { status: notes.length ? 'approximated' : 'translated', type, config, notes, ...(ports ? { ports } : {}) };
}
