/**
 * `@org/pg/prune`: the prune engine's store (`@org/prune`'s `PruneStore`) on
 * Postgres, in its own schema (default `prune`); `PrunePg.layer` migrates it at
 * start, moving the tables of a database made before the split.
 *
 * @packageDocumentation
 */
export * from "./Migrations.js"
export * from "./PgPruneStore.js"
export * from "./PrunePg.js"
