/**
 * The expected failures of the accounts domain. Each carries the data a caller
 * needs and a `message` a person can act on; the HTTP API gives each a stable
 * code and a status.
 */
import { Effect, ParseResult, Schema } from "effect"

/** Input that does not satisfy the domain's rules; `issues` names each field. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  issues: Schema.String
}) {
  override get message(): string {
    return `Invalid input: ${this.issues}`
  }
}

export class EmailTaken extends Schema.TaggedError<EmailTaken>()("EmailTaken", {}) {
  override get message(): string {
    return "An account with this email address already exists. Log in instead."
  }
}

/** A wrong password and an unknown email are this one error, so accounts cannot be discovered. */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()("InvalidCredentials", {}) {
  override get message(): string {
    return "The email address or the password is wrong."
  }
}

/** No access token, or one that is malformed, forged or expired. */
export class NotAuthenticated extends Schema.TaggedError<NotAuthenticated>()("NotAuthenticated", {
  reason: Schema.Literal("missing", "invalid", "expired")
}) {
  override get message(): string {
    return this.reason === "missing"
      ? "Sign in first: send Authorization: Bearer <access token>."
      : this.reason === "expired"
        ? "The access token has expired: refresh it."
        : "The access token is not valid: sign in again."
  }
}

export class RefreshTokenInvalid extends Schema.TaggedError<RefreshTokenInvalid>()(
  "RefreshTokenInvalid",
  {}
) {
  override get message(): string {
    return "The refresh token is not valid or has expired: sign in again."
  }
}

/** A refresh token presented after it was rotated: the whole session is revoked. */
export class RefreshTokenReused extends Schema.TaggedError<RefreshTokenReused>()("RefreshTokenReused", {}) {
  override get message(): string {
    return "This refresh token was already used, so the session was ended for safety: sign in again."
  }
}

/** A kids-profile session tried something only an adult session may do. */
export class KidsProfileRestricted extends Schema.TaggedError<KidsProfileRestricted>()(
  "KidsProfileRestricted",
  {
    action: Schema.String
  }
) {
  override get message(): string {
    return `A kids profile cannot ${this.action}. Switch to an adult profile first.`
  }
}

/** The caller's role (as the server's records have it now) does not allow this. */
export class RoleRequired extends Schema.TaggedError<RoleRequired>()("RoleRequired", {
  role: Schema.String
}) {
  override get message(): string {
    return `This needs the ${this.role} role.`
  }
}

export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", {
  userId: Schema.String
}) {
  override get message(): string {
    return `No user has the id ${this.userId}.`
  }
}

/** Not found, or not the caller's: the two are one answer, so ids do not leak. */
export class ProfileNotFound extends Schema.TaggedError<ProfileNotFound>()("ProfileNotFound", {
  profileId: Schema.String
}) {
  override get message(): string {
    return `You have no profile with the id ${this.profileId}.`
  }
}

export class PlanNotFound extends Schema.TaggedError<PlanNotFound>()("PlanNotFound", {
  planId: Schema.String
}) {
  override get message(): string {
    return `No plan has the id ${this.planId}.`
  }
}

export class ProfileNameTaken extends Schema.TaggedError<ProfileNameTaken>()("ProfileNameTaken", {
  name: Schema.String
}) {
  override get message(): string {
    return `You already have a profile called "${this.name}".`
  }
}

export class PlanConflict extends Schema.TaggedError<PlanConflict>()("PlanConflict", {
  field: Schema.Literal("name", "stripe_price_id")
}) {
  override get message(): string {
    return this.field === "name"
      ? "Another plan already has this name."
      : "Another plan already uses this Stripe price id."
  }
}

/** The account's plan allows no more of something. */
export class PlanLimitReached extends Schema.TaggedError<PlanLimitReached>()("PlanLimitReached", {
  resource: Schema.Literal("profiles", "playlists", "favorites"),
  limit: Schema.Int
}) {
  override get message(): string {
    return `Your plan allows ${this.limit} ${this.resource}; remove one or change plan to add another.`
  }
}

export class LastProfile extends Schema.TaggedError<LastProfile>()("LastProfile", {}) {
  override get message(): string {
    return "An account keeps at least one profile: this is the last one."
  }
}

export class PinRequired extends Schema.TaggedError<PinRequired>()("PinRequired", {}) {
  override get message(): string {
    return "This profile is protected by a PIN: send it as pin."
  }
}

export class InvalidPin extends Schema.TaggedError<InvalidPin>()("InvalidPin", {
  /** Wrong tries left before the profile locks. */
  remainingAttempts: Schema.Int
}) {
  override get message(): string {
    return `Invalid PIN. ${this.remainingAttempts} ${this.remainingAttempts === 1 ? "try" : "tries"} left before the profile locks.`
  }
}

export class PinLocked extends Schema.TaggedError<PinLocked>()("PinLocked", {
  retryAfterSeconds: Schema.Int
}) {
  override get message(): string {
    return `Too many wrong PINs: this profile is locked for ${Math.ceil(this.retryAfterSeconds / 60)} more minutes.`
  }
}

export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  issues: Schema.String
}) {
  override get message(): string {
    return `Invalid accounts configuration: ${this.issues}`
  }
}

const formatIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`))
    .join("; ")

/** Decode caller input; failures become one `InvalidInput` naming each field. */
export const decodeInput =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: unknown): Effect.Effect<A, InvalidInput> =>
    Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })(input).pipe(
      Effect.mapError((error) => new InvalidInput({ issues: formatIssues(error) }))
    )
