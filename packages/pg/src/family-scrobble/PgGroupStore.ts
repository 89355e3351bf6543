/**
 * The `GroupStore` port on Postgres. Invariants the database can hold, it holds
 * (unique Plex username, unique label and Trakt account per group, statuses);
 * the member limit is checked under a lock on the group row. Tokens are written
 * encrypted, and a refresh replaces the pair only if the stored refresh token is
 * still the one the refresher started from (compare-and-set on its hash).
 */
import { createHash } from "node:crypto"
import { SqlClient, type SqlError } from "@effect/sql"
import {
  type AuthorizationStatus,
  DuplicateMemberLabel,
  DuplicateTraktAccount,
  FamilyGroup,
  type FamilyGroupId,
  GroupMember,
  type GroupMemberId,
  GroupStore,
  type GroupStoreService,
  type GroupSummary,
  Invite,
  type InviteId,
  InviteInvalid,
  MemberLimitReached,
  MemberNotFound,
  PlexUsernameTaken,
  TraktTokens
} from "@org/family-scrobble"
import { DateTime, Effect, Layer, Option, Redacted } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { refreshTokenHash, type TokenCipher } from "../TokenCipher.js"

/** The constraint a unique violation broke, if that is what `error` is. */
export const uniqueViolation = (error: SqlError.SqlError): string | undefined => {
  const cause = error.cause as { code?: unknown; constraint?: unknown } | undefined
  return cause?.code === "23505" && typeof cause.constraint === "string" ? cause.constraint : undefined
}

interface MemberRow {
  readonly id: string
  readonly group_id: string
  readonly label: string
  readonly trakt_username: string | null
  readonly status: AuthorizationStatus
  readonly status_reason: string | null
  readonly access_token_enc: string | null
  readonly refresh_token_enc: string | null
  readonly token_created_at: Date | null
  readonly token_expires_at: Date | null
  readonly created_at: Date
  readonly authorized_at: Date | null
}

interface GroupRow {
  readonly id: string
  readonly plex_username: string
  readonly created_at: Date
}

const toGroup = (row: GroupRow) =>
  new FamilyGroup({
    id: row.id as FamilyGroupId,
    plexUsername: row.plex_username as FamilyGroup["plexUsername"],
    createdAt: DateTime.unsafeMake(row.created_at)
  })

interface InviteRow {
  readonly id: string
  readonly note: string | null
  readonly created_at: Date
  readonly expires_at: Date
  readonly used_at: Date | null
  readonly group_id: string | null
}

/** The stored form of an invite code: its SHA-256 (the code is 128 random bits). */
const inviteCodeHash = (code: string): string => createHash("sha256").update(code).digest("base64")

const dateOrNone = (value: Date | null) =>
  value === null ? Option.none() : Option.some(DateTime.unsafeMake(value))

const toDate = (value: DateTime.DateTime) => DateTime.toDate(value)

export const makePgGroupStore = (cipher: TokenCipher) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { schema } = yield* PgStoreConfig
    const groups = sql(`${schema}.family_groups`)
    const members = sql(`${schema}.group_members`)
    const invites = sql(`${schema}.invites`)

    const toInvite = (row: InviteRow) =>
      new Invite({
        id: row.id as InviteId,
        note: Option.fromNullable(row.note),
        createdAt: DateTime.unsafeMake(row.created_at),
        expiresAt: DateTime.unsafeMake(row.expires_at),
        usedAt: dateOrNone(row.used_at),
        groupId: Option.fromNullable(row.group_id as FamilyGroupId | null)
      })

    const toMember = (row: MemberRow) =>
      new GroupMember({
        id: row.id as GroupMemberId,
        groupId: row.group_id as FamilyGroupId,
        label: row.label as GroupMember["label"],
        traktUsername: Option.fromNullable(row.trakt_username) as GroupMember["traktUsername"],
        status: row.status,
        statusReason: Option.fromNullable(row.status_reason),
        tokens:
          row.access_token_enc === null ||
          row.refresh_token_enc === null ||
          row.token_created_at === null ||
          row.token_expires_at === null
            ? Option.none()
            : Option.some(
                new TraktTokens({
                  accessToken: cipher.decrypt(row.access_token_enc),
                  refreshToken: cipher.decrypt(row.refresh_token_enc),
                  createdAt: DateTime.unsafeMake(row.token_created_at),
                  expiresAt: DateTime.unsafeMake(row.token_expires_at)
                })
              ),
        createdAt: DateTime.unsafeMake(row.created_at),
        authorizedAt: dateOrNone(row.authorized_at)
      })

    const tokenColumns = (tokens: Option.Option<TraktTokens>) =>
      Option.match(tokens, {
        onNone: () => ({
          access_token_enc: null,
          refresh_token_enc: null,
          refresh_token_hash: null,
          token_created_at: null,
          token_expires_at: null
        }),
        onSome: (t) => ({
          access_token_enc: cipher.encrypt(t.accessToken),
          refresh_token_enc: cipher.encrypt(t.refreshToken),
          refresh_token_hash: refreshTokenHash(Redacted.value(t.refreshToken)),
          token_created_at: toDate(t.createdAt),
          token_expires_at: toDate(t.expiresAt)
        })
      })

    const memberRow = (member: GroupMember) => ({
      id: member.id,
      group_id: member.groupId,
      label: member.label,
      trakt_username: Option.getOrNull(member.traktUsername),
      status: member.status,
      status_reason: Option.getOrNull(member.statusReason),
      ...tokenColumns(member.tokens),
      created_at: toDate(member.createdAt),
      authorized_at: Option.getOrNull(Option.map(member.authorizedAt, toDate))
    })

    const selectMembers = sql`
      SELECT id, group_id, label, trakt_username, status, status_reason, access_token_enc,
             refresh_token_enc, token_created_at, token_expires_at, created_at, authorized_at
      FROM ${members}`

    const service: GroupStoreService = {
      createGroup: (group, initial, redemption) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              if (redemption !== undefined) {
                const at = toDate(redemption.at)
                const used = yield* sql`
                  UPDATE ${invites} SET used_at = ${at}, group_id = ${group.id}
                  WHERE code_hash = ${inviteCodeHash(redemption.code)} AND used_at IS NULL AND expires_at > ${at}
                  RETURNING id`
                if (used.length === 0) return yield* new InviteInvalid()
              }
              yield* sql`INSERT INTO ${groups} ${sql.insert({
                id: group.id,
                plex_username: group.plexUsername,
                created_at: toDate(group.createdAt)
              })}`
              for (const member of initial)
                yield* sql`INSERT INTO ${members} ${sql.insert(memberRow(member))}`
            })
          )
          .pipe(
            Effect.catchTag("SqlError", (error) =>
              uniqueViolation(error) === "family_groups_plex_username_key"
                ? Effect.fail(new PlexUsernameTaken({ plexUsername: group.plexUsername }))
                : Effect.die(error)
            )
          ),
      findGroup: (groupId) =>
        sql<GroupRow>`SELECT id, plex_username, created_at FROM ${groups} WHERE id = ${groupId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toGroup)),
          Effect.orDie
        ),
      findGroupByPlexUsername: (plexUsername) =>
        sql<GroupRow>`
          SELECT id, plex_username, created_at FROM ${groups}
          WHERE lower(plex_username) = lower(${plexUsername.trim()})`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toGroup)),
          Effect.orDie
        ),
      listGroups: () =>
        sql<GroupRow & { member_count: string; authorized_count: string }>`
          SELECT g.id, g.plex_username, g.created_at,
                 count(m.id) AS member_count,
                 count(m.id) FILTER (WHERE m.status = 'authorized') AS authorized_count
          FROM ${groups} g LEFT JOIN ${members} m ON m.group_id = g.id
          GROUP BY g.id ORDER BY g.created_at, g.id`.pipe(
          Effect.map((rows) =>
            rows.map(
              (row): GroupSummary => ({
                group: toGroup(row),
                memberCount: Number(row.member_count),
                authorizedCount: Number(row.authorized_count)
              })
            )
          ),
          Effect.orDie
        ),
      deleteGroup: (groupId) =>
        sql`DELETE FROM ${groups} WHERE id = ${groupId} RETURNING id`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie
        ),
      listMembers: (groupId) =>
        sql<MemberRow>`${selectMembers} WHERE group_id = ${groupId} ORDER BY position`.pipe(
          Effect.map((rows) => rows.map(toMember)),
          Effect.orDie
        ),
      findMember: (memberId) =>
        sql<MemberRow>`${selectMembers} WHERE id = ${memberId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toMember)),
          Effect.orDie
        ),
      addMember: (member, maxMembers) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              // The group row's lock serializes concurrent additions to one group.
              const locked = yield* sql`SELECT id FROM ${groups} WHERE id = ${member.groupId} FOR UPDATE`
              if (locked.length === 0)
                return yield* new MemberNotFound({ groupId: member.groupId, memberId: member.id })
              const [count] = yield* sql<{ n: string }>`
                SELECT count(*) AS n FROM ${members} WHERE group_id = ${member.groupId}`
              const current = Number(count?.n ?? 0)
              if (current + 1 > maxMembers)
                return yield* new MemberLimitReached({ limit: maxMembers, requested: current + 1 })
              yield* sql`INSERT INTO ${members} ${sql.insert(memberRow(member))}`
            })
          )
          .pipe(
            Effect.catchTag("SqlError", (error) =>
              uniqueViolation(error) === "group_members_label_key"
                ? Effect.fail(new DuplicateMemberLabel({ label: member.label }))
                : Effect.die(error)
            )
          ),
      removeMember: (groupId, memberId) =>
        sql`DELETE FROM ${members} WHERE id = ${memberId} AND group_id = ${groupId} RETURNING id`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie
        ),
      authorizeMember: (memberId, traktUsername, tokens, at) =>
        sql<{ id: string; group_id: string }>`
          UPDATE ${members} SET ${sql.update({
            trakt_username: traktUsername,
            status: "authorized",
            status_reason: null,
            ...tokenColumns(Option.some(tokens)),
            authorized_at: toDate(at)
          })}
          WHERE id = ${memberId} RETURNING id, group_id`.pipe(
          Effect.catchTag("SqlError", (error) =>
            uniqueViolation(error) === "group_members_trakt_username_key"
              ? sql<{ group_id: string }>`SELECT group_id FROM ${members} WHERE id = ${memberId}`.pipe(
                  Effect.orDie,
                  Effect.flatMap((rows) =>
                    Effect.fail(
                      new DuplicateTraktAccount({
                        groupId: (rows[0]?.group_id ?? "") as FamilyGroupId,
                        traktUsername
                      })
                    )
                  )
                )
              : Effect.die(error)
          ),
          Effect.flatMap((rows) =>
            rows.length > 0 ? Effect.void : Effect.fail(new MemberNotFound({ memberId }))
          )
        ),
      replaceTokens: (memberId, tokens, expectedRefreshToken) =>
        sql`
          UPDATE ${members} SET ${sql.update(tokenColumns(Option.some(tokens)))}
          WHERE id = ${memberId} AND refresh_token_hash = ${refreshTokenHash(expectedRefreshToken)}
          RETURNING id`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie
        ),
      setMemberStatus: (memberId, status, reason) =>
        sql`
          UPDATE ${members} SET ${sql.update({
            status,
            status_reason: Option.getOrNull(reason),
            ...(status === "authorized" ? {} : tokenColumns(Option.none()))
          })}
          WHERE id = ${memberId}`.pipe(Effect.asVoid, Effect.orDie),
      createInvite: (invite, code) =>
        sql`INSERT INTO ${invites} ${sql.insert({
          id: invite.id,
          code_hash: inviteCodeHash(code),
          note: Option.getOrNull(invite.note),
          created_at: toDate(invite.createdAt),
          expires_at: toDate(invite.expiresAt),
          used_at: Option.getOrNull(Option.map(invite.usedAt, toDate)),
          group_id: Option.getOrNull(invite.groupId)
        })}`.pipe(Effect.asVoid, Effect.orDie),
      listInvites: () =>
        sql<InviteRow>`
          SELECT id, note, created_at, expires_at, used_at, group_id FROM ${invites}
          ORDER BY created_at DESC, id DESC`.pipe(
          Effect.map((rows) => rows.map(toInvite)),
          Effect.orDie
        ),
      deleteInvite: (inviteId) =>
        sql`DELETE FROM ${invites} WHERE id = ${inviteId} RETURNING id`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie
        ),
      listMembersExpiringBefore: (at) =>
        sql<MemberRow>`
          ${selectMembers} WHERE status = 'authorized' AND token_expires_at < ${toDate(at)}
          ORDER BY token_expires_at`.pipe(
          Effect.map((rows) => rows.map(toMember)),
          Effect.orDie
        )
    }
    return service
  })

export const PgGroupStore = {
  layer: (cipher: TokenCipher) => Layer.effect(GroupStore, makePgGroupStore(cipher))
}
