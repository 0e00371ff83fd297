import type { FlowDocument, Problem } from './types';

/** A problem the server found in a deploy, with the value it was about when it was found. */
export interface ShownProblem extends Problem {
  about: string;
}

const GONE = '\u0000gone';

/**
 * The value a problem is about, as JSON: the node is found by its id (its index may have moved since), the
 * rest of the path inside it. A node that is gone makes every problem about it moot.
 */
function subject(doc: FlowDocument | null, p: Problem): string {
  if (!doc) return GONE;
  const parts = p.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let value: unknown = doc;
  if (p.nodeId && parts[0] === 'nodes') {
    value = doc.nodes.find((n) => n.id === p.nodeId);
    if (value === undefined) return GONE;
    parts.splice(0, 2);
  }
  for (const part of parts) {
    if (value === null || typeof value !== 'object') return 'undefined';
    value = (value as { [key: string]: unknown })[part];
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** The server's answer, each problem tied to the value it judged in the draft that was deployed. */
export function tieProblems(problems: Problem[], deployed: FlowDocument | null): ShownProblem[] {
  return problems.map((p) => ({ ...p, about: subject(deployed, p) }));
}

/**
 * The problems that still hold for `draft`: one whose value changed (edited, undone, its node deleted) is no
 * longer the server's word on anything, and the form's own checks judge the new value.
 */
export function problemsStillAbout(problems: ShownProblem[], draft: FlowDocument): ShownProblem[] {
  const kept = problems.filter((p) => subject(draft, p) === p.about);
  return kept.length === problems.length ? problems : kept;
}
