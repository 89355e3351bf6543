/**
 * Where a domain's stores live: the Postgres schema of its tables. Each domain's
 * layer provides its own (`FamilyScrobblePg.layer`, `PrunePg.layer`), so two
 * domains in one app each read their own schema.
 */
import { Context, Layer } from "effect"
import { checkSchemaName } from "./Migrations.js"

export interface PgStoreSettings {
  /** The Postgres schema of the domain's tables. */
  readonly schema: string
}

export class PgStoreConfig extends Context.Tag("@org/pg/PgStoreConfig")<PgStoreConfig, PgStoreSettings>() {
  /** A schema for the stores; throws on a name the SDK does not accept. */
  static readonly layer = (settings: PgStoreSettings): Layer.Layer<PgStoreConfig> =>
    Layer.succeed(PgStoreConfig, { schema: checkSchemaName(settings.schema) })
}
