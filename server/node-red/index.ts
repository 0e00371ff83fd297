export { NodeRedExportError, nodeRedList } from './export.js';
export type { ImportReport, NodeReport, NodeStatus, SecretNeeded } from './report.js';
export { TABLE, UNSUPPORTED } from './table.js';
export { translateNodeRed, type ImportOptions, type ImportResult } from './translate.js';
