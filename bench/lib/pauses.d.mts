export interface GcSummary {
  seconds: number;
  count: number;
  maxMs: number;
  byKind: Record<string, { seconds: number; count: number; maxMs: number }>;
}
export interface HistogramGc {
  seconds: number;
  count: number;
  maxAtMostMs: number | null;
  over100Ms: number;
  byKind: Record<
    string,
    { seconds: number; count: number; maxAtMostMs: number | null; over100Ms: number | null }
  >;
}
export interface EventLoopDelay {
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  resolutionMs: number;
}
export interface ProbeResult {
  gc: GcSummary;
  eventLoop: EventLoopDelay;
  stallMs?: number;
  /** [start on the bench's clock, ms] */
  stalls: Array<[number, number]>;
  /** [start, ms, kind] */
  longGc?: Array<[number, number, string]>;
}
export interface CombinedProbes {
  gc: GcSummary;
  eventLoop: EventLoopDelay;
  stalls: number;
  stalledMs: number;
  workers: ProbeResult[];
}
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Delivery {
  message: number;
  publishedAt: number;
  at: number;
  worker: number;
}
export interface LateDeliveries {
  thresholdMs: number;
  deliveries: number;
  late: number;
  workerLocal: number;
  allLate: number;
  inWorkerStall: number;
  lateByWorker: Record<number, number>;
  messagesWithLate: number;
  lateBySecond: Record<number, number>;
}
export type ProcessPauses = { gc: GcSummary | HistogramGc; eventLoop: EventLoopDelay } | null | undefined;

export function gcKindName(kind: number): string;
export function summarizeGc(byKind: Record<string, { ms: number; count: number; maxMs: number }>): GcSummary;
export function startPauseProbe(options?: { stallMs?: number; keep?: number }): { stop(): ProbeResult };
export function gcFromHistograms(before: readonly Sample[], after: readonly Sample[]): HistogramGc;
export function servicePauses(
  before: readonly Sample[],
  after: readonly Sample[],
): { gc: HistogramGc; eventLoop: EventLoopDelay };
export function lateDeliveries(
  deliveries: readonly Delivery[],
  options?: {
    thresholdMs?: number;
    stallsByWorker?: Array<Array<[number, number]>>;
    slackMs?: number;
    fromMs?: number;
  },
): LateDeliveries;
export function pauseLine(pauses: Record<string, ProcessPauses>): string;
export function combineProbes(probes: ReadonlyArray<ProbeResult | null>): CombinedProbes | null;
export function pauseRecorder(options: {
  services: Record<string, string>;
  pool: () => { startPauses(): Promise<void>; stopPauses(): Promise<Array<ProbeResult | null>> } | null;
}): { start(): Promise<void>; stop(): Promise<Record<string, unknown>> };
