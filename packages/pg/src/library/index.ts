/**
 * `@org/pg/library`: the store ports of `@org/library` (playlists with
 * encrypted credentials, favorites, progress) on Postgres, in their own schema
 * (default `library`) over the accounts schema. `LibraryPg.layer` migrates it.
 *
 * @packageDocumentation
 */
export * from "./LibraryPg.js"
export * from "./Migrations.js"
export * from "./PgLibraryStores.js"
