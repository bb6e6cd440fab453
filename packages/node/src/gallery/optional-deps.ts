import { createRequire } from 'node:module';
import { FaceKitError } from '@facekit/core';

/** Optional peer dependencies of @facekit/node: installed only by users of the gallery features that need them. */
export type OptionalDependency = 'better-sqlite3' | 'usearch' | 'pg';

// import.meta.url is shimmed in the CJS build (tsup `shims`), so this resolves from the installed package.
const requireHere = createRequire(import.meta.url);

/**
 * Whether the package itself resolves from here (its package.json; a package whose `exports` hide that file still
 * counts as installed). Asked of the resolver, not read from an error's message text.
 */
function isInstalled(name: OptionalDependency): boolean {
  try {
    requireHere.resolve(`${name}/package.json`);
    return true;
  } catch (e) {
    return (e as { code?: unknown })?.code !== 'MODULE_NOT_FOUND';
  }
}

/** A load that failed because the package is not installed (not: installed, but it or a dependency of it broke). */
function isNotFound(e: unknown, installed: boolean): boolean {
  const code = (e as { code?: unknown } | undefined | null)?.code;
  if (e === undefined || e === null) return true;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && !installed;
}

/**
 * E_DEPENDENCY saying what to install (not found) or rebuild (found, but its native binding did not load).
 * `installed` is whether the package resolves from here (asked of the resolver by default).
 */
export function dependencyError(
  name: OptionalDependency,
  feature: string,
  cause: unknown,
  installed = isInstalled(name),
): FaceKitError {
  const message = isNotFound(cause, installed)
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
