/**
 * The invariants of a family group, as pure checks. The stores enforce the same
 * rules atomically; these give callers the precise error before anything is
 * written.
 */
import { Either } from "effect"
import { DuplicateMemberLabel, GroupWithoutMembers, LastMemberRemoval, MemberLimitReached } from "./Errors.js"
import type { GroupMember } from "./GroupMember.js"

const labelKey = (label: string) => label.trim().toLowerCase()

/** 1 to `maxMembers` labels, no label twice (case-insensitive). */
export const checkNewGroupLabels = (
  labels: ReadonlyArray<string>,
  maxMembers: number
): Either.Either<void, GroupWithoutMembers | MemberLimitReached | DuplicateMemberLabel> => {
  if (labels.length === 0) return Either.left(new GroupWithoutMembers())
  if (labels.length > maxMembers) {
    return Either.left(new MemberLimitReached({ limit: maxMembers, requested: labels.length }))
  }
  const seen = new Set<string>()
  for (const label of labels) {
    const key = labelKey(label)
    if (seen.has(key)) return Either.left(new DuplicateMemberLabel({ label }))
    seen.add(key)
  }
  return Either.void
}

/** Room for one more member, under a label not yet used. */
export const checkAddMember = (
  members: ReadonlyArray<GroupMember>,
  label: string,
  maxMembers: number
): Either.Either<void, MemberLimitReached | DuplicateMemberLabel> => {
  if (members.length + 1 > maxMembers) {
    return Either.left(new MemberLimitReached({ limit: maxMembers, requested: members.length + 1 }))
  }
  if (members.some((m) => labelKey(m.label) === labelKey(label)))
    return Either.left(new DuplicateMemberLabel({ label }))
  return Either.void
}

/** A group keeps at least one member. */
export const checkRemoveMember = (
  members: ReadonlyArray<GroupMember>,
  member: GroupMember
): Either.Either<void, LastMemberRemoval> =>
  members.length <= 1 && members.some((m) => m.id === member.id)
    ? Either.left(new LastMemberRemoval({ groupId: member.groupId, memberId: member.id }))
    : Either.void
