// Starting headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** FACEKIT_CHROMIUM overrides the Debian path. */
export const chromiumPath = process.env.FACEKIT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether Chromium is installed. Under CI=true a missing browser fails the run (CI must install it: `.ci/run`);
 * locally the browser tests are skipped with a message saying how to get it.
 */
export function haveChromium(): boolean {
  if (existsSync(chromiumPath)) return true;
  const msg = `Chromium not found at ${chromiumPath}: the browser tests need it (apt-get install -y chromium, or set FACEKIT_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${msg}`);
  console.warn(`skipping: ${msg}`);
  return false;
}

/**
 * Headless, offline-friendly flags (no background network, no component updates). WebGL has no GPU here:
 * ANGLE on SwiftShader renders it on the CPU.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}
