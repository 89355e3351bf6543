/**
 * Invites: the admin makes a single-use code; with onboarding `invite`, a
 * household needs one to create its group (`onboardFamilyGroup`).
 */
import { randomToken, randomUuid } from "@org/core"
import { DateTime, Duration, Effect, Option, Schema } from "effect"
import { FamilyScrobbleConfig } from "./Config.js"
import { decodeInput, InviteNotFound } from "./Errors.js"
import { GroupStore } from "./GroupStore.js"
import { InviteId } from "./Ids.js"
import { Invite, InviteCode, InviteNote } from "./Invite.js"

/** The longest an invite may stay valid. */
export const maxInviteTtl = Duration.days(90)

const CreateInviteInput = Schema.Struct({
  note: Schema.optional(InviteNote),
  /** Hours the code stays valid, 1 to 2160 (90 days); default the `inviteTtl` setting. */
  expiresInHours: Schema.optional(
    Schema.Int.pipe(
      Schema.between(1, Duration.toHours(maxInviteTtl), {
        message: () => `an invite is valid for 1 to ${Duration.toHours(maxInviteTtl)} hours`
      })
    )
  )
})

/** A new invite and its code: the only time the code is known outside its holder. */
export interface CreatedInvite {
  readonly invite: Invite
  readonly code: InviteCode
}

/** Make a single-use invite code (128 random bits, 22 URL-safe characters). */
export const createInvite = (
  input: { readonly note?: string | undefined; readonly expiresInHours?: number | undefined } = {}
) =>
  Effect.gen(function* () {
    const { note, expiresInHours } = yield* decodeInput(CreateInviteInput)(input)
    const settings = yield* FamilyScrobbleConfig
    const store = yield* GroupStore
    const now = yield* DateTime.now
    const ttl = expiresInHours === undefined ? settings.inviteTtl : Duration.hours(expiresInHours)
    const invite = new Invite({
      id: InviteId.make(yield* randomUuid),
      note: Option.fromNullable(note === "" ? undefined : note),
      createdAt: now,
      expiresAt: DateTime.addDuration(now, ttl),
      usedAt: Option.none(),
      groupId: Option.none()
    })
    const code = InviteCode.make(yield* randomToken(16))
    yield* store.createInvite(invite, code)
    yield* Effect.logInfo("invite created").pipe(Effect.annotateLogs({ invite_id: invite.id }))
    const created: CreatedInvite = { invite, code }
    return created
  })

/** Every invite, newest first, without codes. */
export const listInvites: Effect.Effect<ReadonlyArray<Invite>, never, GroupStore> = Effect.flatMap(
  GroupStore,
  (store) => store.listInvites()
)

const decodeInviteId = Schema.decodeUnknownOption(InviteId)

/** Revoke (delete) an invite; a group already made with it stays. */
export const revokeInvite = (inviteId: string) =>
  Effect.gen(function* () {
    const store = yield* GroupStore
    const id = decodeInviteId(inviteId)
    const deleted = Option.isSome(id) ? yield* store.deleteInvite(id.value) : false
    if (!deleted) return yield* new InviteNotFound({ inviteId })
    yield* Effect.logInfo("invite revoked").pipe(Effect.annotateLogs({ invite_id: inviteId }))
  })
