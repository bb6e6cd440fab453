import { createRequire } from 'node:module';
import { FaceKitError } from '@facekit/core';

/** Optional peer dependencies of @facekit/node: installed only by users of the gallery features that need them. */
export type OptionalDependency = 'better-sqlite3' | 'usearch' | 'pg';

// import.meta.url is shimmed in the CJS build (tsup `shims`), so this resolves from the installed package.
const requireHere = createRequire(import.meta.url);

function isNotFound(e: unknown, name: string): boolean {
  const err = e as { code?: unknown; message?: unknown };
  if (err === undefined || err === null) return true;
  return (
    (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') &&
    String(err.message ?? '').includes(name)
  );
}

/** E_DEPENDENCY saying what to install (not found) or rebuild (found, but its native binding did not load). */
export function dependencyError(name: OptionalDependency, feature: string, cause: unknown): FaceKitError {
  const message = isNotFound(cause, name)
    ? `${feature} needs the optional package '${name}': npm install ${name}`
    : `${feature}: the package '${name}' failed to load (${String((cause as Error)?.message ?? cause).split('\n')[0]}); ` +
      `reinstall it (npm install ${name}) or rebuild it (npm rebuild ${name})`;
  return new FaceKitError('E_DEPENDENCY', message, { cause, details: { package: name } });
}

/**
 * Loads an optional dependency on first use, so `@facekit/node` installs and imports without it.
 *
 * @example
 * const { default: Database } = await importOptional('better-sqlite3', 'the SQLite gallery', () => import('better-sqlite3'));
 */
export async function importOptional<T>(name: OptionalDependency, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw dependencyError(name, feature, cause);
  }
}

/** The synchronous form, for code behind a synchronous interface (a `VectorIndexFactory`). */
export function requireOptional<T>(name: OptionalDependency, feature: string): T {
  try {
    return requireHere(name) as T;
  } catch (cause) {
    throw dependencyError(name, feature, cause);
  }
}
