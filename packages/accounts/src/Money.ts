/**
 * Prices as integer minor units (cents): `7.99` arrives as the seed sends it,
 * a decimal in the major unit, and is kept as `799`, never as a float.
 */
import { Either, ParseResult, Schema } from "effect"

/** At most 1,000,000.00 in the major unit. */
const MAX_MINOR = 100_000_000

/**
 * `7.99`, `"7.99"`, `7` or `"7.9"` as minor units; more than two decimals, a
 * negative, or anything else is refused with a message.
 */
export const parseMajorUnits = (input: unknown): Either.Either<number, string> => {
  const text =
    typeof input === "number"
      ? Number.isFinite(input)
        ? String(input)
        : ""
      : typeof input === "string"
        ? input.trim()
        : ""
  const match = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text)
  if (match === null)
    return Either.left("a price is a non-negative amount with at most two decimals, such as 7.99")
  const minor = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"))
  return minor > MAX_MINOR ? Either.left("a price is at most 1000000") : Either.right(minor)
}

/** Minor units as the major-unit number answers show (`799` → `7.99`). */
export const toMajorUnits = (minor: number): number => Number((minor / 100).toFixed(2))

/** A price in the major unit (number or string) decoded to minor units, and encoded back as a number. */
export const PriceFromMajorUnits = Schema.transformOrFail(
  Schema.Union(Schema.Number, Schema.String),
  Schema.Int,
  {
    strict: true,
    decode: (input, _, ast) =>
      Either.match(parseMajorUnits(input), {
        onLeft: (message) => Either.left(new ParseResult.Type(ast, input, message)),
        onRight: Either.right
      }),
    encode: (minor) => Either.right(toMajorUnits(minor))
  }
)
