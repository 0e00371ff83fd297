/**
 * Numbered outputs, for nodes whose outputs are a list (switch rules, a function's outputs, Node-RED's
 * numbered ports): the first is `out`, then `out2`, `out3`, …
 */
export function portName(index: number): string {
  return index === 0 ? 'out' : `out${index + 1}`;
}

/** The extra ports a node with `count` numbered outputs declares besides `out`. */
export function extraPorts(count: number): string[] {
  return Array.from({ length: Math.max(0, count - 1) }, (_, i) => portName(i + 1));
}
