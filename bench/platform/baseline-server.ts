/**
 * The baseline: what a capable developer writes by hand with Express 5 and pg
 * for the same endpoints, with the same queries on the same tables (the SDK's
 * schema), argon2id and HS256 JWTs: sign-in, profile select, favorites, the
 * "continue watching" list and the progress upsert. Validation is the minimum;
 * errors are bare.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { verify } from "@node-rs/argon2"
import express, { type NextFunction, type Request, type Response } from "express"
import { jwtVerify, SignJWT } from "jose"
import pg from "pg"
import { DATABASE_URL, JWT_SECRET, POOL_SIZE, type ServerConfig } from "./shared.js"

const config = JSON.parse(process.argv[2] ?? "{}") as ServerConfig
const a = (table: string) => `"${config.accountsSchema}"."${table}"`
const l = (table: string) => `"${config.librarySchema}"."${table}"`
const key = new TextEncoder().encode(JWT_SECRET)
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: POOL_SIZE })

interface Claims {
  readonly sub: string
  readonly role: string
  readonly sid: string
  readonly pid?: string
  readonly kids: boolean
}

const sign = (claims: Claims) =>
  new SignJWT({
    role: claims.role,
    sid: claims.sid,
    kids: claims.kids,
    ...(claims.pid ? { pid: claims.pid } : {})
  })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(key)

const caller = async (request: Request): Promise<Claims | undefined> => {
  const header = request.headers.authorization ?? ""
  if (!header.startsWith("Bearer ")) return undefined
  try {
    const { payload } = await jwtVerify(header.slice(7), key, { algorithms: ["HS256"] })
    return payload as unknown as Claims
  } catch {
    return undefined
  }
}

const handle =
  (work: (request: Request, response: Response) => Promise<void>) =>
  (request: Request, response: Response, next: NextFunction) => {
    work(request, response).catch(next)
  }

const app = express()
app.use(express.json({ limit: "64kb" }))

app.post(
  "/api/v1/auth/login",
  handle(async (request, response) => {
    const { email, password } = request.body as { email: string; password: string }
    const found = await pool.query(`SELECT id, role, password_hash FROM ${a("users")} WHERE email_key = $1`, [
      String(email).trim().toLowerCase()
    ])
    const user = found.rows[0]
    if (user === undefined || !(await verify(user.password_hash, String(password)))) {
      response.status(401).json({ error: { code: "invalid_credentials", message: "wrong" } })
      return
    }
    const sid = randomUUID()
    const refresh = randomBytes(32).toString("base64url")
    const client = await pool.connect()
    try {
      await client.query("BEGIN")
      await client.query(`INSERT INTO ${a("sessions")} (id, user_id, created_at) VALUES ($1, $2, now())`, [
        sid,
        user.id
      ])
      await client.query(
        `INSERT INTO ${a("refresh_tokens")} (token_hash, session_id, expires_at) VALUES ($1, $2, now() + interval '30 days')`,
        [createHash("sha256").update(refresh).digest("base64"), sid]
      )
      await client.query("COMMIT")
    } catch (error) {
      await client.query("ROLLBACK")
      throw error
    } finally {
      client.release()
    }
    const accessToken = await sign({ sub: user.id, role: user.role, sid, kids: false })
    response.json({
      access_token: accessToken,
      refresh_token: refresh,
      expires_in: 900,
      token_type: "Bearer"
    })
  })
)

app.post(
  "/api/v1/profiles/:id/select",
  handle(async (request, response) => {
    const claims = await caller(request)
    if (claims === undefined) {
      response.status(401).end()
      return
    }
    const found = await pool.query(
      `SELECT id, is_kids FROM ${a("profiles")} WHERE id = $1 AND user_id = $2`,
      [request.params.id, claims.sub]
    )
    const profile = found.rows[0]
    if (profile === undefined) {
      response.status(404).end()
      return
    }
    await pool.query(`UPDATE ${a("sessions")} SET profile_id = $1 WHERE id = $2`, [profile.id, claims.sid])
    const accessToken = await sign({ ...claims, pid: profile.id, kids: profile.is_kids })
    response.json({ access_token: accessToken, expires_in: 900, token_type: "Bearer" })
  })
)

app.get(
  "/api/v1/favorites",
  handle(async (request, response) => {
    const claims = await caller(request)
    if (claims?.pid === undefined) {
      response.status(401).end()
      return
    }
    const rows = await pool.query(
      `SELECT id, item_id, item_type, item_name, item_logo, created_at, count(*) OVER () AS total FROM ${l("favorites")}
       WHERE profile_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0`,
      [claims.pid]
    )
    response.json({
      favorites: rows.rows.map(({ total: _, ...row }) => ({
        ...row,
        created_at: row.created_at.toISOString()
      })),
      page: 1,
      limit: 20,
      total: Number(rows.rows[0]?.total ?? 0)
    })
  })
)

app.get(
  "/api/v1/progress",
  handle(async (request, response) => {
    const claims = await caller(request)
    if (claims?.pid === undefined) {
      response.status(401).end()
      return
    }
    const rows = await pool.query(
      `SELECT item_id, item_type, progress_seconds, duration_seconds, observed_at, updated_at, count(*) OVER () AS total
       FROM ${l("progress")} WHERE profile_id = $1 AND NOT finished ORDER BY observed_at DESC, item_id LIMIT 20 OFFSET 0`,
      [claims.pid]
    )
    response.json({
      progress: rows.rows.map(({ total: _, ...row }) => row),
      page: 1,
      limit: 20,
      total: Number(rows.rows[0]?.total ?? 0)
    })
  })
)

app.put(
  "/api/v1/progress",
  handle(async (request, response) => {
    const claims = await caller(request)
    if (claims?.pid === undefined) {
      response.status(401).end()
      return
    }
    const body = request.body as {
      item_id: string
      progress_seconds: number
      duration_seconds?: number
      item_type?: string
    }
    if (
      typeof body.item_id !== "string" ||
      typeof body.progress_seconds !== "number" ||
      body.progress_seconds < 0
    ) {
      response.status(400).end()
      return
    }
    const now = new Date()
    const written = await pool.query(
      `INSERT INTO ${l("progress")} (profile_id, item_id, item_type, progress_seconds, duration_seconds, observed_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (profile_id, item_id) DO UPDATE SET
         item_type = COALESCE(EXCLUDED.item_type, ${l("progress")}.item_type),
         progress_seconds = EXCLUDED.progress_seconds,
         duration_seconds = CASE WHEN EXCLUDED.duration_seconds IS NOT NULL THEN EXCLUDED.duration_seconds
           WHEN ${l("progress")}.duration_seconds >= EXCLUDED.progress_seconds THEN ${l("progress")}.duration_seconds ELSE NULL END,
         observed_at = EXCLUDED.observed_at, updated_at = EXCLUDED.updated_at
       WHERE ${l("progress")}.observed_at < EXCLUDED.observed_at
       RETURNING item_id, progress_seconds, duration_seconds, observed_at`,
      [
        claims.pid,
        body.item_id,
        body.item_type ?? null,
        body.progress_seconds,
        body.duration_seconds ?? null,
        now
      ]
    )
    response.json({ applied: written.rows.length > 0, progress: written.rows[0] ?? null })
  })
)

const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no TCP address")
  process.send?.({ url: `http://127.0.0.1:${address.port}` })
})
process.once("disconnect", () => {
  server.close()
  void pool.end()
})
