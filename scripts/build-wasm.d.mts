/** The .wat file's binary (SIMD enabled). */
export function assemble(watPath: string): Promise<Buffer>;
/** The TypeScript source that embeds a binary as base64. */
export function embedSource(bytes: Buffer): string;
