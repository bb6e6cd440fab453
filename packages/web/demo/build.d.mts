// Types of build.mjs (plain .mjs, so it runs with `node` and no TypeScript step).
export function assetDirs(): { models: string; wasm: string; samples: string };
export function buildDemo(options?: { outdir?: string; minify?: boolean }): Promise<{
  outdir: string;
  js: Record<string, { bytes: number; gzip: number; contains: string[] }>;
  totalGzip: number;
}>;
