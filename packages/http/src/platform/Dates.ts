/** Instants as every view of the platform API shows them: ISO 8601 strings. */
import { DateTime, Schema } from "effect"

export const IsoDate = Schema.String.annotations({
  description: "An ISO 8601 instant",
  examples: ["2026-12-07T20:15:00.000Z"]
})

export const iso = (value: DateTime.DateTime) => DateTime.formatIso(value)
