/**
 * What a node type's `report(config)` declares: the server lists report nodes through it (GET /api/reports,
 * the editor's Reports view), never by node type.
 */
export interface ReportPlacement {
  title: string;
  site: string;
  /** 5-field cron, read in `timeZone`. */
  schedule: string;
  timeZone: string;
  period: 'day' | 'week' | 'month';
  /** Where each document goes: `mail:<address>`, `webhook`. */
  targets: string[];
}
