import type { DataRecord } from '../../server/core/types.js';

/**
 * A record a node could not handle, in the shape the runtime gives its `error` port after the last retry,
 * so an error wire (or a dead letter when unwired) treats both alike. Used where one record fails and the
 * rest of the batch goes on, as a Node-RED node reports `done(err)` for one message.
 */
export function failedRecord(record: DataRecord, error: string, node: string): DataRecord {
  return { record, error, node, attempts: 1 };
}
