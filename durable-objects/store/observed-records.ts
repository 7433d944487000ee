import type { z } from "zod";
import { RecordStore } from "./records";

/**
 * A record store that reports every write with the record as it was before, inside the same
 * transaction as the write. Lets one observer (notifications) see each change of a kind,
 * whichever code path made it.
 */
export class ObservedRecordStore<S extends z.ZodType<{ id: string }>> extends RecordStore<S> {
  constructor(
    sql: SqlStorage,
    kind: string,
    schema: S,
    sortKey: (record: z.infer<S>) => string,
    private readonly observe: (before: z.infer<S> | undefined, after: z.infer<S>) => void,
  ) {
    super(sql, kind, schema, sortKey);
  }

  override put(record: z.infer<S>): void {
    const before = this.get(record.id);
    super.put(record);
    this.observe(before, record);
  }
}
