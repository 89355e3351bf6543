/** Domain values for the store suites: a fixed clock origin, groups and members. */
import { randomUUID } from "node:crypto"
import {
  FamilyGroup,
  FamilyGroupId,
  GroupMember,
  GroupMemberId,
  GroupStore,
  MemberLabel,
  PlexUsername
} from "@org/family-scrobble"
import { DateTime, Effect, Option } from "effect"

/** A fixed instant plus `seconds`. */
export const at = (seconds: number) => DateTime.unsafeMake(1_800_000_000_000 + seconds * 1000)

export const newGroup = (plexUsername = `plex-${randomUUID().slice(0, 8)}`) =>
  new FamilyGroup({
    id: FamilyGroupId.make(randomUUID()),
    plexUsername: PlexUsername.make(plexUsername),
    createdAt: at(0)
  })

/** A pending member (no Trakt account yet). */
export const newMember = (group: FamilyGroup, label: string, seconds = 0) =>
  new GroupMember({
    id: GroupMemberId.make(randomUUID()),
    groupId: group.id,
    label: MemberLabel.make(label),
    traktUsername: Option.none(),
    status: "pending",
    statusReason: Option.none(),
    tokens: Option.none(),
    createdAt: at(seconds),
    authorizedAt: Option.none()
  })

/** A stored group with `count` pending members (rows of other tables reference them). */
export const family = (count = 2) =>
  Effect.gen(function* () {
    const store = yield* GroupStore
    const group = newGroup()
    const members = Array.from({ length: count }, (_, i) => newMember(group, `Member ${i}`, i))
    yield* store.createGroup(group, members)
    return { group, members }
  })
