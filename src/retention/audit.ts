import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';

export type AuditEvent =
  | 'run-start'
  | 'intent'
  | 'result'
  | 'skip'
  | 'snapshot-kept'
  | 'snapshot-deleted'
  | 'snapshots-done'
  | 'run-end';

export interface AuditRecord {
  ts: string;
  runId: string;
  event: AuditEvent;
  action?: 'deprecate' | 'disable' | 'deregister';
  imageId?: string;
  account?: string;
  region?: string;
  snapshotIds?: string[];
  snapshotId?: string;
  ok?: boolean;
  error?: string;
  detail?: string;
}

/**
 * Append-only JSONL: one record per line, written with O_APPEND and fsynced, so a crash loses at
 * most the line being written and never rewrites history. `intent` is written before an action
 * and `result` after it, which is what lets a later run finish an interrupted deregistration.
 */
export class AuditLog {
  private readonly fd: number;

  constructor(
    readonly path: string,
    readonly runId: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.fd = openSync(path, 'a+');
    // A crash mid-write can leave a torn last line; start ours on a fresh one.
    const size = fstatSync(this.fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(this.fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(this.fd, '\n');
    }
  }

  write(record: Omit<AuditRecord, 'ts' | 'runId'>): void {
    const line = `${JSON.stringify({ ts: this.clock().toISOString(), runId: this.runId, ...record })}\n`;
    writeSync(this.fd, line);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Every complete record of a log; a torn last line (crash mid-write) is ignored. */
export function readAudit(path: string): AuditRecord[] {
  if (!existsSync(path)) return [];
  const out: AuditRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {
      // Only the last line can be torn; earlier lines were fsynced whole.
    }
  }
  return out;
}

export interface PendingSnapshots {
  imageId: string;
  account: string;
  region: string;
  snapshotIds: string[];
}

/**
 * Deregistrations started in any earlier run whose snapshots were not all dealt with: the image
 * may be gone while its snapshots still cost money, and no inventory would ever show them again.
 */
export function pendingSnapshotDeletions(records: AuditRecord[]): PendingSnapshots[] {
  const pending = new Map<string, PendingSnapshots>();
  for (const r of records) {
    if (!r.imageId) continue;
    if (r.event === 'intent' && r.action === 'deregister' && r.account && r.region) {
      pending.set(r.imageId, {
        imageId: r.imageId,
        account: r.account,
        region: r.region,
        snapshotIds: r.snapshotIds ?? [],
      });
    } else if (r.event === 'snapshots-done') {
      pending.delete(r.imageId);
    }
  }
  return [...pending.values()];
}
