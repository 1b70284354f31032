export interface HostTool {
  commands: string[];
  debianPackage: string;
  purpose: string;
}
export declare const HOST_TOOLS: Record<'java' | 'mvn' | 'chromium', HostTool>;
export declare function onPath(command: string): string | undefined;
export declare function ensureHostTools(
  names: Array<keyof typeof HOST_TOOLS>,
  options?: { log?: (message: string) => void },
): Record<string, string>;
