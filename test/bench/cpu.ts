import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from '../../dev/stack.ts';

/**
 * CPU time spent by each part of a running stack, from /proc (Linux): user + system time of the
 * web and worker processes, of the Temporal dev server, and of every PostgreSQL process (the
 * postmaster and its backends), in milliseconds. Take one before and one after a workload.
 */
export type CpuSnapshot = Record<'web' | 'worker' | 'temporal' | 'postgres', number>;

const TICKS_PER_SECOND = 100;

function procCpuMs(pid: number): number {
	try {
		// Fields 14 and 15 (utime, stime) after the command, which is in parentheses and may hold spaces.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
	} catch {
		return 0;
	}
}

function childrenCpuMs(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// cutime + cstime: children that have ended (PostgreSQL backends that closed their session).
		return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
	} catch {
		return 0;
	}
}

/** The live children of `parent`: a PostgreSQL server's backends and helpers. */
function childrenOf(parent: number): number[] {
	return readdirSync('/proc')
		.filter((entry) => /^\d+$/.test(entry))
		.filter((pid) => {
			try {
				const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
				return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
			} catch {
				return false;
			}
		})
		.map(Number);
}

/** `home` is the stack's TEND_HOME: its PostgreSQL's postmaster.pid names the server to count (other stacks may run beside it). */
export function cpuSnapshot(stack: Stack, home: string): CpuSnapshot {
	const pid = (name: 'web' | 'worker' | 'temporal') => stack.services[name]?.current.child.pid;
	const own = (name: 'web' | 'worker' | 'temporal') => (pid(name) ? procCpuMs(pid(name)!) : 0);
	const postmaster = Number(readFileSync(join(home, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
	return {
		web: own('web'),
		worker: own('worker'),
		temporal: own('temporal'),
		postgres: procCpuMs(postmaster) + childrenCpuMs(postmaster) + childrenOf(postmaster).reduce((sum, p) => sum + procCpuMs(p), 0)
	};
}

/** What each part spent between two snapshots, per unit of work. */
export function cpuPer(before: CpuSnapshot, after: CpuSnapshot, units: number): string {
	return (Object.keys(before) as Array<keyof CpuSnapshot>).map((part) => `${part} ${((after[part] - before[part]) / units).toFixed(1)}`).join(', ');
}
