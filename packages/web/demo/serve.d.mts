// Types of serve.mjs (plain .mjs, so it runs with `node` and no TypeScript step).
export function startServer(options: {
  root: string;
  mounts?: Record<string, string>;
  isolated?: boolean;
  port?: number;
}): Promise<{ url: string; requests: string[]; close: () => Promise<void> }>;
