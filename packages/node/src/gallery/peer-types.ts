// Structural stand-ins for the optional peers' types in facekit's public signatures. The published .d.ts must
// compile without the peers installed (`skipLibCheck: false`, no pg / @types/pg), so a public signature names these
// instead of `pg.Pool`; a real `pg.Pool` or `pg.PoolConfig` is assignable to them.

/**
 * What facekit needs of a `pg.Pool` that you pass in (your own pool, your own settings).
 *
 * @example
 * import pg from 'pg';
 * const pool: PgPoolLike = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const g = await PgGallery.connect(pool);
 */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<unknown>;
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/**
 * The connection settings facekit passes to `new pg.Pool(…)` (any other `pg.PoolConfig` field passes through).
 *
 * @example
 * const config: PgPoolConfigLike = { host: 'db.internal', database: 'faces', user: 'facekit' };
 */
export interface PgPoolConfigLike {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string | (() => string | Promise<string>);
  database?: string;
  ssl?: unknown;
  max?: number;
  idleTimeoutMillis?: number;
  connectionTimeoutMillis?: number;
}
