import {
  ANOMALY_RECORDS_MAX,
  AnomalyRecord,
  DETECTOR_STATE_MAX_BYTES,
  SeriesDetectionRecord,
  StoredDetector,
} from "../../schema";
import { DEFAULT_PARAMS, createDetector, type DetectorState } from "../../lib/anomaly/detector";
import { RecordStore } from "./records";

/** Detection settings of a series that has none stored yet. */
export function defaultDetection(id: string, now: Date): SeriesDetectionRecord {
  return {
    id,
    enabled: true,
    sensitivity: 0.5,
    adjustment: 0,
    expectedWindows: [],
    truePositives: 0,
    falsePositives: 0,
    examples: [],
    inBand: 0,
    updatedAt: now.toISOString(),
  };
}

/**
 * Anomaly detection's rows, all in the shared `records` table (no migration): one detector
 * state and one settings record per metric series (so at most the series cap of each), and
 * the anomalies found, trimmed to the newest ANOMALY_RECORDS_MAX.
 */
export class AnomalyStore {
  readonly anomalies: RecordStore<typeof AnomalyRecord>;
  readonly series: RecordStore<typeof SeriesDetectionRecord>;
  private readonly detectors: RecordStore<typeof StoredDetector>;
  /**
   * Detectors as last persisted (written first, cached second): parsing a 3 kB state through
   * its schema on every batch cost more than scoring it. At most one per series.
   */
  private readonly cache = new Map<string, DetectorState>();

  constructor(sql: SqlStorage) {
    this.anomalies = new RecordStore(sql, "anomaly", AnomalyRecord, (a) => a.openedAt);
    this.series = new RecordStore(sql, "anomaly-series", SeriesDetectionRecord, (s) => s.id);
    this.detectors = new RecordStore(sql, "anomaly-detector", StoredDetector, (d) => d.id);
  }

  detection(id: string, now: Date): SeriesDetectionRecord {
    return this.series.get(id) ?? defaultDetection(id, now);
  }

  /**
   * The series' detector with the fixed parameters and the series' `threshold`; a fresh one
   * when none is stored (or the stored one no longer parses).
   */
  detector(id: string, threshold: number): DetectorState {
    const params = { ...DEFAULT_PARAMS, threshold };
    const cached = this.cache.get(id);
    if (cached) return { ...cached, params };
    let stored: StoredDetector | undefined;
    try {
      stored = this.detectors.get(id);
    } catch {
      // A state written by an older detector: start learning again rather than fail ingest.
      stored = undefined;
    }
    return stored ? { ...stored.state, params } : createDetector(params);
  }

  /**
   * Persists a detector (without its parameters); one over DETECTOR_STATE_MAX_BYTES is
   * replaced by a fresh one, so a series' row can never grow past its budget. Returns bytes.
   */
  saveDetector(id: string, state: DetectorState): number {
    const { params: _params, ...rest } = state;
    const bytes = JSON.stringify(rest).length;
    if (bytes > DETECTOR_STATE_MAX_BYTES) {
      const { params: _p, ...fresh } = createDetector(state.params);
      this.detectors.put({ id, state: fresh });
      this.cache.delete(id);
      return JSON.stringify(fresh).length;
    }
    this.detectors.put({ id, state: rest });
    this.cache.set(id, state);
    return bytes;
  }

  /** Persisted state size of a series' detector, 0 when none. */
  detectorBytes(id: string): { bytes: number; points: number } {
    const stored = this.detectors.get(id);
    return stored
      ? { bytes: JSON.stringify(stored.state).length, points: stored.state.n }
      : { bytes: 0, points: 0 };
  }

  /** Stores an anomaly; a new one trims the oldest beyond ANOMALY_RECORDS_MAX. */
  putAnomaly(anomaly: AnomalyRecord, created: boolean): void {
    this.anomalies.put(anomaly);
    if (created) this.anomalies.trim(ANOMALY_RECORDS_MAX);
  }
}
