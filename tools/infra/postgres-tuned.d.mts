export function productionSettings(options: { memoryMiB: number }): Record<string, string>;
export const RECORDED_SETTINGS: string[];
export function startTunedPostgres(options?: {
  port?: number;
  memoryMiB?: number;
  binDir?: string;
  log?: (message: string) => void;
}): Promise<{
  url: string;
  port: number;
  dataDir: string;
  settings: Record<string, string>;
  stop: () => Promise<void>;
}>;
