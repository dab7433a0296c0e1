/**
 * What migration files may import. Migrations live at the repository root (/migrations), outside
 * any package, so they cannot resolve `kysely` themselves; they import it through here instead.
 * Migrations take `Kysely<unknown>`: they must not depend on today's schema types, which describe
 * the end state rather than the state at the time the migration runs.
 */
export { sql } from 'kysely';
export type { Kysely } from 'kysely';
