/** What an import of a Node-RED export says about every node: shown by the editor, the CLI and the API. */
export type NodeStatus = 'translated' | 'approximated' | 'needs-hand';

export interface NodeReport {
  /** The Node-RED node's id (for a node inside a subflow instance: `<instance id>/<inner id>`). */
  id: string;
  type: string;
  name?: string;
  /** The Sluice flow it went to; absent for config nodes used by several flows. */
  flowId?: string;
  status: NodeStatus;
  /** What it became: a Sluice node type, "wires", "the config of …", or "placeholder". */
  becomes: string;
  /** Ids of the Sluice nodes made from it. */
  sluiceIds: string[];
  /** Differences a user should know (approximated), or why it needs a hand. */
  notes: string[];
}

export interface SecretNeeded {
  /** Set it with `sluice secrets set NAME` before deploying. */
  name: string;
  what: string;
  usedBy: string[];
}

export interface ImportProblem {
  nodeId: string | null;
  message: string;
}

export interface ImportReport {
  flows: { flowId: string; tab: string; label: string; nodes: number }[];
  nodes: NodeReport[];
  secrets: SecretNeeded[];
  /** Export-wide findings: link loops, wires to missing nodes, subflows nested too deep. */
  problems: ImportProblem[];
  counts: { translated: number; approximated: number; needsHand: number };
}
