/**
 * Branded identifiers and values of the accounts domain, decoded once at the
 * edge and trusted inside.
 */
import { Schema } from "effect"

export const UserId = Schema.UUID.pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type

export const ProfileId = Schema.UUID.pipe(Schema.brand("ProfileId"))
export type ProfileId = typeof ProfileId.Type

export const PlanId = Schema.UUID.pipe(Schema.brand("PlanId"))
export type PlanId = typeof PlanId.Type

/** One sign-in: the chain of refresh tokens that rotate from it. */
export const SessionId = Schema.UUID.pipe(Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type

export const Role = Schema.Literal("user", "reseller", "admin")
export type Role = typeof Role.Type

/**
 * An email address, trimmed; compared case-insensitively (`normalizeEmail`).
 * The check is deliberately loose (something@domain.tld): only a message that
 * arrives proves an address.
 */
export const Email = Schema.Trim.pipe(
  Schema.maxLength(254, { message: () => "an email address has at most 254 characters" }),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, {
    message: () => "enter an email address such as name@example.com"
  }),
  Schema.brand("Email")
)
export type Email = typeof Email.Type

export const normalizeEmail = (email: string): string => email.trim().toLowerCase()

export const FullName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "a full name is required" }),
  Schema.maxLength(100, { message: () => "a full name has at most 100 characters" })
)

export const ProfileName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "a profile name is required" }),
  Schema.maxLength(50, { message: () => "a profile name has at most 50 characters" })
)

/** A parental PIN: 4 to 8 digits. */
export const Pin = Schema.String.pipe(
  Schema.pattern(/^[0-9]{4,8}$/, { message: () => "a PIN is 4 to 8 digits" })
)

/** An http(s) URL of at most 2048 characters. */
export const HttpUrl = Schema.Trim.pipe(
  Schema.maxLength(2048, { message: () => "a URL has at most 2048 characters" }),
  Schema.filter((value) => {
    if (!URL.canParse(value)) return "enter a URL such as https://example.com/avatar.png"
    const protocol = new URL(value).protocol
    return protocol === "https:" || protocol === "http:" || "only http and https URLs are accepted"
  })
)

/** A BCP 47 language tag such as `en` or `es-MX`. */
export const LanguageTag = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, {
    message: () => "a language is a tag such as en or es-MX"
  })
)
