/**
 * Where the stores live: the Postgres schema of every table.
 */
import { Context, Layer } from "effect"
import { isSchemaName } from "./Migrations.js"

export interface PgStoreSettings {
  /** The Postgres schema of every table. Default `family_scrobble`. */
  readonly schema: string
}

export class PgStoreConfig extends Context.Tag("@org/pg/PgStoreConfig")<PgStoreConfig, PgStoreSettings>() {
  static readonly layer = (settings: Partial<PgStoreSettings> = {}): Layer.Layer<PgStoreConfig> => {
    const schema = settings.schema ?? "family_scrobble"
    if (!isSchemaName(schema))
      throw new Error(`invalid schema name "${schema}": lower-case letters, digits and _, at most 63`)
    return Layer.succeed(PgStoreConfig, { schema })
  }
}
