/**
 * The product's scenarios 1, 2, 3, 11 and 12, the security rules and the
 * concurrency limits, over HTTP against the example started as a child process:
 * on embedded PGlite, and on the Postgres server when there is one. Every
 * response and every log line is checked for the secrets the test used.
 */
import { randomUUID } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SignJWT } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgresServerAnswers, type RunningChild, startChild } from "./child.js"

const JWT_SECRET = `test-jwt-secret-${randomUUID()}`
const PASSWORD = "securePass123"
const PIN = "97531"
const IPTV_PASSWORD = `iptv_pass_${randomUUID().slice(0, 8)}`
const INJECTION = `Robert'); DROP TABLE users;-- "quoted" \\ %_ ${"<b>"}`

const serverUp = await postgresServerAnswers()

interface Answer {
  readonly status: number
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
  readonly body: any
  readonly text: string
  readonly headers: Headers
}

const targets: ReadonlyArray<{ readonly name: string; readonly env: () => Promise<Record<string, string>> }> =
  [
    {
      name: "embedded PGlite",
      env: async () => ({ DATA_DIR: await mkdtemp(join(tmpdir(), "platform-scenarios-")) })
    },
    ...(serverUp || process.env.TEST_DATABASE_URL !== undefined
      ? [
          {
            name: "the Postgres server",
            env: async () => ({
              DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
            })
          }
        ]
      : [])
  ]

for (const target of targets) {
  describe(`the platform over HTTP on ${target.name}`, () => {
    let child: RunningChild
    let env: Record<string, string>
    const answers: Array<{ readonly path: string; readonly text: string }> = []
    const secretsSeen: Array<string> = [PASSWORD, PIN, JWT_SECRET]
    const tag = randomUUID().slice(0, 8)
    const email = (name: string) => `${name}-${tag}@example.com`

    beforeAll(async () => {
      env = await target.env()
      child = await startChild({ ...env, JWT_SECRET, LOG_LEVEL: "debug" })
    }, 90_000)

    afterAll(async () => {
      const code = await child?.stop()
      if (env?.DATA_DIR !== undefined) await rm(env.DATA_DIR, { recursive: true, force: true })
      expect(code).toBe(0)
    }, 60_000)

    const call = async (
      method: string,
      path: string,
      options: { body?: unknown; token?: string; raw?: string } = {}
    ) => {
      const response = await fetch(`${child.url}/api/v1${path}`, {
        method,
        headers: {
          ...(options.body === undefined && options.raw === undefined
            ? {}
            : { "content-type": "application/json" }),
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` })
        },
        ...(options.raw !== undefined
          ? { body: options.raw }
          : options.body === undefined
            ? {}
            : { body: JSON.stringify(options.body) })
      })
      const text = await response.text()
      answers.push({ path, text })
      return {
        status: response.status,
        body: text === "" ? undefined : JSON.parse(text),
        text,
        headers: response.headers
      } as Answer
    }

    const account = async (name: string, fullName = "John Doe") => {
      const signed = await call("POST", "/auth/signup", {
        body: { email: email(name), password: PASSWORD, full_name: fullName }
      })
      expect(signed.status).toBe(201)
      secretsSeen.push(signed.body.refresh_token)
      return signed.body as { access_token: string; refresh_token: string; user: { id: string } }
    }

    const selectToken = async (token: string, profileId: string, pin?: string) => {
      const selected = await call("POST", `/profiles/${profileId}/select`, {
        token,
        body: pin === undefined ? {} : { pin }
      })
      expect(selected.status).toBe(200)
      return selected.body.access_token as string
    }

    const code = (answer: Answer) => [answer.status, answer.body?.error?.code]

    it("scenario 1: signup, the default profile, Sarah's, a kids profile with a PIN, a playlist, a favorite, progress, the plans", async () => {
      expect((await call("GET", "/health")).body).toEqual({ status: "ok" })
      const john = await account("john")
      const token = john.access_token
      const profiles = await call("GET", "/profiles", { token })
      expect(profiles.body.profiles.map((p: { name: string }) => p.name)).toEqual(["John"])
      expect(
        (
          await call("POST", "/profiles", {
            token,
            body: { name: "Sarah", avatar_url: "https://example.com/sarah.jpg" }
          })
        ).status
      ).toBe(201)
      const kids = await call("POST", "/profiles", {
        token,
        body: { name: "Kids", is_kids_profile: true, parental_pin: PIN }
      })
      expect(kids.body).toMatchObject({ is_kids_profile: true, has_pin: true })
      const playlist = await call("POST", "/playlists", {
        token,
        body: {
          name: "Premium IPTV Service",
          url: "http://iptv-provider.com/get.php",
          username: "john_iptv",
          password: IPTV_PASSWORD
        }
      })
      expect(playlist.body).toMatchObject({ kind: "xtream", host: "iptv-provider.com" })
      const favorite = await call("POST", "/favorites", {
        token,
        body: {
          item_id: "espn_hd",
          item_type: "channel",
          item_name: "ESPN HD",
          item_logo: "https://cdn.example.com/espn.png"
        }
      })
      expect(favorite.status).toBe(201)
      const progress = await call("PUT", "/progress", {
        token,
        body: {
          item_id: "movie_inception",
          item_type: "movie",
          progress_seconds: 3600,
          duration_seconds: 8880
        }
      })
      expect(progress.body).toMatchObject({ applied: true, progress: { percent: 40.5, finished: false } })
      const plans = await call("GET", "/subscriptions/plans")
      expect(plans.status).toBe(200)
      expect(Array.isArray(plans.body.plans)).toBe(true)
    })

    it("scenario 2 and 11: the TV, the phone and the tablet; a late, older write does not win", async () => {
      const maria = await account("maria", "Maria Lopez")
      const mariaProfile = (await call("GET", "/profiles", { token: maria.access_token })).body.profiles[0].id
      const device = async () => {
        const login = await call("POST", "/auth/login", {
          body: { email: email("maria"), password: PASSWORD }
        })
        secretsSeen.push(login.body.refresh_token)
        return selectToken(login.body.access_token, mariaProfile)
      }
      const tv = await device()
      expect((await call("GET", "/playlists", { token: tv })).status).toBe(200)
      await call("POST", "/favorites", {
        token: tv,
        body: { item_id: "espn_hd", item_type: "channel", item_name: "ESPN HD" }
      })
      expect((await call("GET", "/favorites?type=channel", { token: tv })).body.total).toBe(1)
      const phone = await device()
      const now = Date.now()
      await call("PUT", "/progress", {
        token: phone,
        body: {
          item_id: "series_got_s01e05",
          item_type: "episode",
          progress_seconds: 1200,
          duration_seconds: 3600,
          observed_at: new Date(now - 1000).toISOString()
        }
      })
      const late = await call("PUT", "/progress", {
        token: tv,
        body: {
          item_id: "series_got_s01e05",
          progress_seconds: 60,
          observed_at: new Date(now - 120_000).toISOString()
        }
      })
      expect(late.body).toMatchObject({ applied: false, progress: { progress_seconds: 1200 } })
      const tablet = await device()
      await call("POST", "/favorites", {
        token: tablet,
        body: { item_id: "movie_inception", item_type: "movie", item_name: "Inception" }
      })
      expect((await call("GET", "/favorites", { token: tablet })).body.total).toBe(2)
      expect(
        (await call("GET", "/progress/series_got_s01e05", { token: tablet })).body.progress_seconds
      ).toBe(1200)
      // Scenario 11's background sync: only the item and the position.
      expect(
        (
          await call("PUT", "/progress", {
            token: phone,
            body: { item_id: "current_watching", progress_seconds: 1800 }
          })
        ).body.applied
      ).toBe(true)
      expect(
        (await call("GET", "/progress", { token: tablet })).body.progress.map(
          (p: { item_id: string }) => p.item_id
        )
      ).toEqual(["current_watching", "series_got_s01e05"])
    })

    it("scenario 3: a wrong PIN is refused, the parent changes it, five wrong tries lock", async () => {
      const parent = await account("parent")
      const token = parent.access_token
      const timmy = await call("POST", "/profiles", {
        token,
        body: {
          name: "Timmy",
          is_kids_profile: true,
          parental_pin: "98765",
          avatar_url: "https://cdn.example.com/avatars/dinosaur.png"
        }
      })
      const adult = await call("POST", "/profiles", { token, body: { name: "Adult", parental_pin: PIN } })
      const kidsToken = await selectToken(token, timmy.body.id, "98765")
      const wrong = await call("POST", `/profiles/${adult.body.id}/select`, {
        token: kidsToken,
        body: { pin: "12345" }
      })
      expect(code(wrong)).toEqual([403, "invalid_pin"])
      expect(wrong.body.error.message).toContain("Invalid PIN")
      expect(
        code(
          await call("PATCH", `/profiles/${timmy.body.id}`, {
            token: kidsToken,
            body: { parental_pin: "55555" }
          })
        )
      ).toEqual([403, "kids_profile_restricted"])
      expect(
        (await call("PATCH", `/profiles/${timmy.body.id}`, { token, body: { parental_pin: "55555" } })).status
      ).toBe(200)
      expect(
        code(await call("POST", `/profiles/${timmy.body.id}/select`, { token, body: { pin: "98765" } }))
      ).toEqual([403, "invalid_pin"])
      await selectToken(token, timmy.body.id, "55555")
      for (let i = 0; i < 4; i++)
        await call("POST", `/profiles/${adult.body.id}/select`, { token: kidsToken, body: { pin: "12345" } })
      const locked = await call("POST", `/profiles/${adult.body.id}/select`, { token, body: { pin: PIN } })
      expect(code(locked)).toEqual([429, "pin_locked"])
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0)
    })

    it("scenario 12: the player's credentials go to an adult session of the owner only", async () => {
      const owner = await account("player")
      const token = owner.access_token
      const created = await call("POST", "/playlists", {
        token,
        body: {
          name: "For Tivimate",
          url: "http://iptv-provider.com/get.php",
          username: "tivi",
          password: IPTV_PASSWORD
        }
      })
      const full = await call("GET", `/playlists/${created.body.id}`, { token })
      expect(full.body).toMatchObject({
        url: "http://iptv-provider.com/get.php",
        username: "tivi",
        password: IPTV_PASSWORD
      })
      answers.pop() // the one answer allowed to hold the playlist's password
      const kids = await call("POST", "/profiles", { token, body: { name: "Little", is_kids_profile: true } })
      const kidsToken = await selectToken(token, kids.body.id)
      const forKids = await call("GET", `/playlists/${created.body.id}`, { token: kidsToken })
      expect(forKids.body.password).toBeUndefined()
      const stranger = await account("stranger")
      expect(
        code(await call("GET", `/playlists/${created.body.id}`, { token: stranger.access_token }))
      ).toEqual([404, "not_found"])
    })

    it("refuses forged, foreign, expired and altered tokens, and a refresh token used twice ends the session", async () => {
      const victim = await account("victim")
      const [header, payload, signature] = victim.access_token.split(".") as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString())
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
      const attempts = {
        none: `${b64({ alg: "none", typ: "JWT" })}.${payload}.`,
        role: `${header}.${b64({ ...claims, role: "admin" })}.${signature}`,
        profile: `${header}.${b64({ ...claims, pid: randomUUID(), kids: false })}.${signature}`,
        otherKey: await new SignJWT(claims)
          .setProtectedHeader({ alg: "HS256" })
          .sign(new TextEncoder().encode("another-secret-of-thirty-two-bytes!!")),
        expired: await new SignJWT({ ...claims, iat: 1_700_000_000, exp: 1_700_000_900 })
          .setProtectedHeader({ alg: "HS256" })
          .sign(new TextEncoder().encode(JWT_SECRET))
      }
      for (const [name, token] of Object.entries(attempts)) {
        const answer = await call("GET", "/auth/me", { token })
        expect({ name, status: answer.status }).toEqual({ name, status: 401 })
      }
      expect(code(await call("GET", "/auth/me", { token: attempts.expired }))).toEqual([401, "token_expired"])
      const first = await call("POST", "/auth/refresh", { body: { refresh_token: victim.refresh_token } })
      expect(first.status).toBe(200)
      secretsSeen.push(first.body.refresh_token)
      expect(
        code(await call("POST", "/auth/refresh", { body: { refresh_token: victim.refresh_token } }))
      ).toEqual([401, "refresh_token_reused"])
      expect(
        code(await call("POST", "/auth/refresh", { body: { refresh_token: first.body.refresh_token } }))
      ).toEqual([401, "invalid_refresh_token"])
    })

    it("a kids session is refused every adult endpoint; another account's ids are 404", async () => {
      const family = await account("kidsfamily")
      const token = family.access_token
      const kids = await call("POST", "/profiles", { token, body: { name: "Kid", is_kids_profile: true } })
      const playlist = await call("POST", "/playlists", {
        token,
        body: { name: "P", url: "https://x.example/list.m3u" }
      })
      const kidsToken = await selectToken(token, kids.body.id)
      const adultOnly: ReadonlyArray<readonly [string, string, unknown?]> = [
        ["POST", "/profiles", { name: "Sneaky" }],
        ["PATCH", `/profiles/${kids.body.id}`, { is_kids_profile: false }],
        ["DELETE", `/profiles/${kids.body.id}`],
        ["POST", "/playlists", { name: "Q", url: "https://x.example/q.m3u" }],
        ["PATCH", `/playlists/${playlist.body.id}`, { name: "R" }],
        ["DELETE", `/playlists/${playlist.body.id}`],
        ["GET", "/admin/users"],
        ["GET", "/admin/plans"],
        [
          "POST",
          "/admin/plans",
          { name: "X", price_monthly: 1, max_profiles: 1, max_playlists: 1, max_favorites: 1 }
        ]
      ]
      for (const [method, path, body] of adultOnly) {
        const answer = await call(method, path, { token: kidsToken, ...(body === undefined ? {} : { body }) })
        expect({ method, path, answer: code(answer) }).toEqual({
          method,
          path,
          answer: [403, "kids_profile_restricted"]
        })
      }
      const other = await account("otherfamily")
      const favorite = await call("POST", "/favorites", {
        token,
        body: { item_id: "cnn", item_type: "channel", item_name: "CNN" }
      })
      for (const [method, path, body] of [
        ["PATCH", `/profiles/${kids.body.id}`, { name: "Mine" }],
        ["POST", `/profiles/${kids.body.id}/select`, {}],
        ["GET", `/playlists/${playlist.body.id}`],
        ["DELETE", `/favorites/${favorite.body.id}`]
      ] as const) {
        const answer = await call(method, path, {
          token: other.access_token,
          ...(body === undefined ? {} : { body })
        })
        expect({ path, answer: code(answer) }).toEqual({ path, answer: [404, "not_found"] })
      }
    })

    it("stores injection strings verbatim; a 1 MB body and malformed JSON write nothing", async () => {
      const signed = await call("POST", "/auth/signup", {
        body: { email: email("inject"), password: PASSWORD, full_name: INJECTION }
      })
      expect(signed.body.user.full_name).toBe(INJECTION)
      const token = signed.body.access_token
      const profile = await call("POST", "/profiles", { token, body: { name: INJECTION.slice(0, 50) } })
      expect(profile.body.name).toBe(INJECTION.slice(0, 50))
      const playlist = await call("POST", "/playlists", {
        token,
        body: { name: INJECTION, url: "https://x.example/list.m3u?q=' OR 1=1" }
      })
      expect(playlist.body.name).toBe(INJECTION)
      const favorite = await call("POST", "/favorites", {
        token,
        body: { item_id: INJECTION, item_type: "movie", item_name: INJECTION }
      })
      expect(favorite.body).toMatchObject({ item_id: INJECTION, item_name: INJECTION })
      expect(
        (await call("PUT", "/progress", { token, body: { item_id: INJECTION, progress_seconds: 5 } })).body
          .progress.item_id
      ).toBe(INJECTION)
      expect((await call("GET", `/progress/${encodeURIComponent(INJECTION)}`, { token })).body.item_id).toBe(
        INJECTION
      )
      expect((await call("GET", "/favorites?type=movie", { token })).body.favorites[0].item_id).toBe(
        INJECTION
      )

      const before = (await call("GET", "/profiles", { token })).body.profiles.length
      const huge = await call("POST", "/profiles", { token, body: { name: "x".repeat(1024 * 1024) } })
      expect(code(huge)).toEqual([413, "payload_too_large"])
      const broken = await call("POST", "/profiles", { token, raw: '{"name": "half' })
      expect(code(broken)).toEqual([400, "validation_error"])
      expect((await call("GET", "/profiles", { token })).body.profiles.length).toBe(before)
      const hugeSignup = await call("POST", "/auth/signup", {
        raw: JSON.stringify({ email: email("huge"), password: PASSWORD, full_name: "y".repeat(1024 * 1024) })
      })
      expect(hugeSignup.status).toBe(413)
      expect(
        code(await call("POST", "/auth/login", { body: { email: email("huge"), password: PASSWORD } }))
      ).toEqual([401, "invalid_credentials"])
    })

    it("twenty concurrent profile creations at max_profiles = 5 leave five; twenty identical favorites one", async () => {
      const busy = await account("busy")
      const token = busy.access_token
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) => call("POST", "/profiles", { token, body: { name: `P${i}` } }))
      )
      expect(created.filter((a) => a.status === 201)).toHaveLength(4)
      expect(
        new Set(
          created
            .filter((a) => a.status !== 201)
            .map(code)
            .map(String)
        )
      ).toEqual(new Set(["422,plan_limit_reached"]))
      expect((await call("GET", "/profiles", { token })).body.profiles).toHaveLength(5)
      const favorites = await Promise.all(
        Array.from({ length: 20 }, () =>
          call("POST", "/favorites", {
            token,
            body: { item_id: "espn_hd", item_type: "channel", item_name: "ESPN HD" }
          })
        )
      )
      expect(new Set(favorites.map((a) => a.body.id)).size).toBe(1)
      expect(favorites.filter((a) => a.status === 201)).toHaveLength(1)
      expect((await call("GET", "/favorites", { token })).body.total).toBe(1)
    })

    it("no password, PIN, playlist password, refresh token or JWT secret in any answer or log line", () => {
      const logs = child.output()
      expect(logs.length).toBeGreaterThan(0)
      for (const secret of [...secretsSeen, IPTV_PASSWORD]) expect(logs).not.toContain(secret)
      const leaking = answers.filter(({ text }) =>
        [PASSWORD, PIN, JWT_SECRET, IPTV_PASSWORD].some((secret) => text.includes(secret))
      )
      expect(leaking.map((a) => a.path)).toEqual([])
      // Refresh tokens appear only in the answers that hand them out.
      for (const token of secretsSeen.slice(3)) {
        const holders = answers.filter(({ text }) => text.includes(token)).map((a) => a.path)
        expect(
          holders.every(
            (path) => path === "/auth/signup" || path === "/auth/login" || path === "/auth/refresh"
          )
        ).toBe(true)
      }
    })
  })
}
