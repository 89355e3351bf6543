/**
 * The migrator every domain shares. A domain (`@org/pg/family-scrobble`,
 * `@org/pg/prune`, …) owns a Postgres schema and its own numbered, forward-only
 * migrations, recorded in that schema's `migrations` table; an app migrates the
 * domains it uses and no others, so a prune-only app never creates a
 * scrobbling table. Every table of a domain lives in its schema, so the SDK can
 * share a database with its host application.
 *
 * The root knows no domain: a domain folder builds its `DomainMigrations` with
 * `domainMigrations` and hands it to `runMigrations`.
 */
import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { Effect } from "effect"

/** A Postgres identifier the SDK accepts as a schema name. */
export const isSchemaName = (name: string): boolean => /^[a-z_][a-z0-9_]{0,62}$/.test(name)

/** Fails with a message a person can act on when `schema` is not a name the SDK accepts. */
export const checkSchemaName = (schema: string): string => {
  if (!isSchemaName(schema))
    throw new Error(`invalid schema name "${schema}": lower-case letters, digits and _, at most 63`)
  return schema
}

/** One migration: an effect over the database, run in a transaction. */
export type Migration = Effect.Effect<unknown, unknown, SqlClient.SqlClient>

/** The migrations of one domain, bound to the schema they create their tables in. */
export interface DomainMigrations {
  /** The domain's name, for messages: `family-scrobble`, `prune`. */
  readonly domain: string
  /** The Postgres schema holding the domain's tables and its `migrations` table. */
  readonly schema: string
  /** Numbered migrations (`"0001_initial"`), applied in order, each once. */
  readonly migrations: Readonly<Record<string, Migration>>
}

/**
 * A domain's migrations, for the schema the caller picks (default
 * `defaultSchema`): `const fooMigrations = domainMigrations("foo", "foo", (schema) => ({ … }))`.
 */
export const domainMigrations =
  (domain: string, defaultSchema: string, make: (schema: string) => Readonly<Record<string, Migration>>) =>
  (options: { readonly schema?: string } = {}): DomainMigrations => {
    const schema = checkSchemaName(options.schema ?? defaultSchema)
    return { domain, schema, migrations: make(schema) }
  }

/** The migrations a run applied: per domain, `[id, name]` of each. */
export type AppliedMigrations = Record<string, ReadonlyArray<readonly [id: number, name: string]>>

const migrateOne = (domain: DomainMigrations) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE SCHEMA IF NOT EXISTS ${sql(domain.schema)}`
    return yield* Migrator.make({})({
      loader: Migrator.fromRecord(domain.migrations),
      table: `${domain.schema}.migrations`
    })
  })

/**
 * Bring the given domains up to date: create each schema if needed, then apply
 * every migration not applied yet, forward only, each in a transaction. Safe to
 * run from several processes at once (a domain's migrations table is locked
 * while it migrates). Two domains never share a schema: their migrations tables
 * would be one. Returns the migrations applied now, per domain.
 */
export const runMigrations = (domains: DomainMigrations | ReadonlyArray<DomainMigrations>) =>
  Effect.gen(function* () {
    const list: ReadonlyArray<DomainMigrations> = Array.isArray(domains)
      ? domains
      : [domains as DomainMigrations]
    const seen = new Map<string, string>()
    for (const domain of list) {
      const other = seen.get(domain.schema)
      if (other !== undefined)
        return yield* Effect.dieMessage(
          `the domains ${other} and ${domain.domain} both use the schema "${domain.schema}": give each its own`
        )
      seen.set(domain.schema, domain.domain)
    }
    const applied: AppliedMigrations = {}
    for (const domain of list) applied[domain.domain] = yield* migrateOne(domain)
    return applied
  })
