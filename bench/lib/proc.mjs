// Process-tree and memory helpers read straight from /proc (Linux only, like the bench).
import { readFileSync, readdirSync } from "node:fs";

/** @returns {{pid:number, ppid:number, comm:string}[]} every live process */
function allProcesses() {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // comm sits in parentheses and may itself contain spaces or parentheses.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      out.push({ pid: Number(name), ppid, comm });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** All processes below `root` (not including it). */
export function descendants(root) {
  const procs = allProcesses();
  const found = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const p of procs) {
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** Resident set size in bytes (0 when the process is gone). */
export function rssBytes(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export const totalRss = (pids) => pids.reduce((sum, pid) => sum + rssBytes(pid), 0);

/** Open descriptors of a process, or undefined when /proc does not let us count them. */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}
