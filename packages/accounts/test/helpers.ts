import { Effect, Option, Redacted } from "effect"
import { authenticate, type Caller, requireAdult, selectProfile, signup } from "../src/index.js"

/** Sign up and authenticate: the caller and the raw tokens. */
export const newAccount = (email = "john@example.com", fullName = "John Doe") =>
  Effect.gen(function* () {
    const signedIn = yield* signup({ email, password: "securePass123", full_name: fullName })
    const caller = yield* authenticate(Redacted.value(signedIn.tokens.accessToken))
    return {
      ...signedIn,
      caller,
      adult: yield* requireAdult(caller, "test"),
      refreshToken: Redacted.value(signedIn.tokens.refreshToken)
    }
  })

/** Select a profile and authenticate with the token it answers. */
export const callerFor = (caller: Caller, profileId: string, pin?: string) =>
  Effect.gen(function* () {
    const selected = yield* selectProfile(caller, profileId, pin === undefined ? {} : { pin })
    return yield* authenticate(Redacted.value(selected.accessToken))
  })

export const failureOf = <A, E extends { _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (error) => error)

export const someOrThrow = <A>(option: Option.Option<A>): A => Option.getOrThrow(option)
