/**
 * CPU time of the processes a bench run involves, read from Linux's `/proc`
 * (nothing where it cannot be read): the local Postgres server's processes,
 * or one process by pid.
 */
import { readdirSync, readFileSync } from "node:fs"

/** Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`, 100 on Linux). */
const TICKS_PER_SECOND = 100

const ticksOf = (stat: string) => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return Number(fields[11]) + Number(fields[12])
}

/** CPU ticks used so far by each of the local Postgres server's processes. */
export const postgresTicks = () => {
  const ticks = new Map<string, number>()
  let pids: Array<string> = []
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name))
  } catch {
    return ticks
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      if (stat.includes("(postgres)")) ticks.set(pid, ticksOf(stat))
    } catch {
      // The process ended while being read.
    }
  }
  return ticks
}

/** CPU seconds Postgres used between two readings: processes that ended in between are not counted. */
export const postgresCpuSince = (before: ReadonlyMap<string, number>) => {
  let ticks = 0
  for (const [pid, now] of postgresTicks()) ticks += now - (before.get(pid) ?? 0)
  return ticks / TICKS_PER_SECOND
}

/** CPU seconds one process has used so far (NaN where unreadable). */
export const processCpuSeconds = (pid: number) => {
  try {
    return ticksOf(readFileSync(`/proc/${pid}/stat`, "utf8")) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}
