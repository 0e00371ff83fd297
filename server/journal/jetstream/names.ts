/**
 * Names of everything a Sluice cluster keeps in JetStream, all under the cluster's name so that several
 * clusters (or test runs) share one NATS deployment without meeting.
 */

/** A flow or node id as one subject token and stream-name part: `.` and `_` are escaped as `_2E` and `_5F`. */
export function token(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9-]{1,32}$/;

export class ClusterNames {
  private readonly prefix: string;
  private readonly subject: string;

  constructor(readonly cluster: string) {
    if (!CLUSTER_NAME_PATTERN.test(cluster)) throw new Error(`cluster name "${cluster}" must be 1 to 32 letters, digits or -`);
    this.prefix = `SLUICE_${token(cluster)}`;
    this.subject = `sluice.${token(cluster)}`;
  }

  /** The stream of one stage of a flow: its journal. */
  journalStream(flow: string, stage: number): string {
    return `${this.prefix}_J_${token(flow)}_${stage}`;
  }

  journalSubjects(flow: string, stage: number): string {
    return `${this.subject}.j.${token(flow)}.${stage}`;
  }

  /**
   * One subject per writer of each node, so the last entry a writer made (and the source state in it) is one
   * `last_by_subj` away: `<stage subjects>.<kind>.<node>.<writer>`.
   */
  entrySubject(flow: string, stage: number, kind: string, node: string, writer: string): string {
    return `${this.journalSubjects(flow, stage)}.${kind}.${token(node || '-')}.${token(writer)}`;
  }

  get snapshotStream(): string {
    return `${this.prefix}_SNAPSHOTS`;
  }

  snapshotSubject(flow: string, stage: number, partition: number): string {
    return `${this.subject}.snap.${token(flow)}.${stage}.${partition}`;
  }

  get deadLetterStream(): string {
    return `${this.prefix}_DEAD`;
  }

  deadLetterSubject(flow: string): string {
    return `${this.subject}.dead.${token(flow)}`;
  }

  /** Per-flow prefix of dead letter state keys in the dead letter state bucket. */
  deadLetterKey(flow: string, id: number): string {
    return `${token(flow)}.${id}`;
  }

  bucket(name: 'LEASES' | 'CHECKPOINTS' | 'SERVERS' | 'DEADSTATE'): string {
    return `${this.prefix}_${name}`;
  }

  partitionKey(flow: string, stage: number, partition: number): string {
    return `${token(flow)}.${stage}.${partition}`;
  }

  sourceKey(flow: string, node: string): string {
    return `${token(flow)}.src.${token(node)}`;
  }
}
