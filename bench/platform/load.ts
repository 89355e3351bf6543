/**
 * The load generator, in a process of its own (config as JSON in `argv[2]`).
 * Every virtual user signs in once and selects its profile; then, for a warm-up
 * and a measured window, each sends 70 % reads (favorites, "continue
 * watching", half each) and 30 % progress writes: back to back (`closed`), or
 * spread to a fixed total rate (`rate`). Latency is each answer's own time.
 * Sends `LoadResult` to the driver and exits.
 */
import { Pool } from "undici"
import { generator, type LoadConfig, type LoadResult, PASSWORD } from "./shared.js"

const config = JSON.parse(process.argv[2] ?? "{}") as LoadConfig
const url = new URL(config.url)
const pool = new Pool(url.origin, { connections: config.connections, pipelining: 1 })
const random = generator(config.seed)

const send = async (method: "GET" | "POST" | "PUT", path: string, token?: string, body?: unknown) => {
  const response = await pool.request({
    method,
    path,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.body.text()
  return { status: response.statusCode, text }
}

const signIn = async (email: string, profileId: string) => {
  const login = await send("POST", "/api/v1/auth/login", undefined, { email, password: PASSWORD })
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.text}`)
  const token = (JSON.parse(login.text) as { access_token: string }).access_token
  const selected = await send("POST", `/api/v1/profiles/${profileId}/select`, token, {})
  if (selected.status !== 200) throw new Error(`select answered ${selected.status}: ${selected.text}`)
  return (JSON.parse(selected.text) as { access_token: string }).access_token
}

/** One request of the mix; answers whether it succeeded. */
const oneRequest = async (token: string, user: number) => {
  const choice = random()
  const result =
    choice < 0.35
      ? await send("GET", "/api/v1/favorites", token)
      : choice < 0.7
        ? await send("GET", "/api/v1/progress", token)
        : await send("PUT", "/api/v1/progress", token, {
            item_id: `item_${user % 7}_${Math.floor(random() * 40)}`,
            item_type: "episode",
            progress_seconds: Math.floor(random() * 3000),
            duration_seconds: 3600
          })
  return result.status >= 200 && result.status < 300
}

const run = async () => {
  const signInStart = performance.now()
  const tokens: Array<string> = []
  // Sign in with bounded concurrency: 1,000 argon2 verifications are the server's work, not the window's.
  for (let i = 0; i < config.users.length; i += 50) {
    const batch = config.users.slice(i, i + 50)
    tokens.push(...(await Promise.all(batch.map((u) => signIn(u.email, u.profileId)))))
  }
  const signInMs = performance.now() - signInStart

  const window = async (seconds: number, record: boolean) => {
    const latencies: Array<number> = []
    let requests = 0
    let errors = 0
    const start = performance.now()
    const end = start + seconds * 1000
    const timed = async (user: number) => {
      const t0 = performance.now()
      const ok = await oneRequest(tokens[user] ?? "", user).catch(() => false)
      const elapsed = performance.now() - t0
      if (performance.now() <= end && record) {
        latencies.push(elapsed)
        requests++
        if (!ok) errors++
      }
    }
    if (config.mode === "closed") {
      await Promise.all(
        tokens.map(async (_, user) => {
          while (performance.now() < end) await timed(user)
        })
      )
    } else {
      const interval = 1000 / config.rate
      const inFlight: Array<Promise<void>> = []
      for (let n = 0; ; n++) {
        const due = start + n * interval
        if (due >= end) break
        const wait = due - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        inFlight.push(timed(n % tokens.length))
      }
      await Promise.all(inFlight)
    }
    return { requests, errors, seconds: (Math.min(performance.now(), end) - start) / 1000, latencies }
  }

  await window(config.warmupSeconds, false)
  const measured = await window(config.seconds, true)
  const result: LoadResult = { ...measured, signInMs }
  process.send?.(result, () => process.exit(0))
}

run().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
