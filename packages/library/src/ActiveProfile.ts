/**
 * Whose favorites and progress a request reads and writes: the profile the
 * session selected, or, before one is selected, the account's default profile.
 * A selected profile comes from the signed token: no lookup.
 */
import { type Caller, type ProfileId, ProfileNotFound, ProfileStore } from "@org/accounts"
import { Effect, Option } from "effect"

export const activeProfile = (caller: Caller) =>
  Option.match(caller.profileId, {
    onSome: (profileId) => Effect.succeed<ProfileId>(profileId),
    onNone: () =>
      Effect.gen(function* () {
        const profiles = yield* Effect.flatMap(ProfileStore, (store) => store.list(caller.userId))
        const chosen = profiles.find((p) => p.isDefault) ?? profiles[0]
        if (chosen === undefined) return yield* new ProfileNotFound({ profileId: "default" })
        return chosen.id
      })
  })
