/**
 * The watch loop: a dump every `everySeconds`, the last `keep` kept, the
 * directory kept under `maxDiskBytes`, each dump analysed and shown, until
 * the target goes, a type grows `untilGrowing` steps in a row, the budget
 * is reached, or the user interrupts.
 */

import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {Writable} from 'node:stream';
import {escapeControls} from '../core/format/escape.js';
import {humanBytes} from '../core/format/size.js';
import {type CommandContext, CommandExit, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_OK} from '../common/context.js';
import {type DumpRecord, WatchAnalysis, type WatchTools} from './analysis.js';
import type {Capturer} from './capture.js';
import {directoryBytes, dumpBytes, expectedDumpBytes, type MadeDump, removeDump, toDelete} from './rotation.js';

export type WatchSettings = {
	readonly dir: string;
	readonly everySeconds: number;
	readonly keep: number;
	readonly maxDiskBytes: number;
	readonly untilGrowing: number | undefined;
	readonly ascii: boolean;
};

/** Where the loop's results go: JSON lines or the live screen. */
export type WatchView = {
	/** A dump was taken and analysed; `kept` are the records of the dumps on disk, oldest first. */
	dump(record: DumpRecord, kept: readonly DumpRecord[], taken: number): void;
	/** One line about something that happened (a failed dump, the end). */
	note(line: string): void;
	/** What the loop does now (for the screen). */
	status(text: string): void;
	/** Wait up to `ms`; resolves early when the view asks to stop (`'quit'`) or is interrupted. */
	wait(ms: number, wake: Promise<void>): Promise<'quit' | undefined>;
	close(): void;
};

function rssOf(pid: number): number | undefined {
	try {
		const found = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return found ? Number(found[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

/** Collects what a command writes, for report.txt. */
class Collect extends Writable {
	text = '';
	override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
		this.text += chunk.toString();
		callback();
	}
}

async function writeReport(ctx: CommandContext, report: WatchTools['report'], files: readonly string[], dir: string): Promise<string | undefined> {
	const out = new Collect();
	const err = new Collect();
	const code = await report({...ctx, input: files, flags: {...ctx.flags, json: false, quiet: true, keepOrder: true, index: false}, stdout: out, stderr: err});
	if (code !== EXIT_OK) {
		ctx.stderr.write(`meliae-tui: no report: ${err.text.trim().split('\n').at(-1) ?? `exit code ${code}`}\n`);
		return undefined;
	}

	const file = path.join(dir, 'report.txt');
	writeFileSync(file, out.text, {mode: 0o600});
	return file;
}

export async function watchLoop(ctx: CommandContext, capturer: Capturer, settings: WatchSettings, view: WatchView, tools: WatchTools): Promise<number> {
	const {dir, keep, maxDiskBytes} = settings;
	const analysis = new WatchAnalysis({...ctx, flags: {...ctx.flags, quiet: true}}, settings.ascii, tools);
	const made: MadeDump[] = [];
	const records: DumpRecord[] = [];
	let taken = 0;
	let interrupted = false;
	let wakeUp: () => void = () => {};
	let wake = new Promise<void>(resolve => {
		wakeUp = resolve;
	});
	const onInterrupt = (): void => {
		interrupted = true;
		wakeUp();
	};

	process.on('SIGINT', onInterrupt);
	process.on('SIGTERM', onInterrupt);
	const end = async (code: number, line?: string): Promise<number> => {
		await capturer.close();
		if (line !== undefined) {
			view.note(line);
		}

		return code;
	};

	try {
		for (;;) {
			if (interrupted) {
				return await end(EXIT_INTERRUPTED, `meliae-tui: interrupted; ${made.length} complete dump${made.length === 1 ? '' : 's'} kept in ${escapeControls(dir)}`);
			}

			if (!capturer.alive()) {
				return await end(EXIT_FAILED, `meliae-tui: process ${capturer.pid} is gone (${capturer.ending()}); stopped watching after ${taken} dump${taken === 1 ? '' : 's'}`);
			}

			const used = directoryBytes(dir);
			const expected = expectedDumpBytes(made.at(-1)?.bytes, rssOf(capturer.pid));
			if (used + expected > maxDiskBytes) {
				return await end(EXIT_NOT_FOUND, `meliae-tui: --max-disk ${humanBytes(maxDiskBytes)} reached: ${escapeControls(dir)} holds ${humanBytes(used)} and the next dump needs about ${humanBytes(expected)}; stopped capturing`);
			}

			const started = Date.now();
			view.status('dumping...');
			// eslint-disable-next-line no-await-in-loop
			const captured = await capturer.capture();
			if (interrupted || (!captured.ok && captured.reason === 'interrupted')) {
				interrupted = true;
				continue;
			}

			if (!captured.ok) {
				if (captured.reason === 'gone' || !capturer.alive()) {
					return await end(EXIT_FAILED, `meliae-tui: process ${capturer.pid} is gone (${escapeControls(captured.message)}); stopped watching after ${taken} dump${taken === 1 ? '' : 's'}`);
				}

				view.note(`meliae-tui: dump failed: ${escapeControls(captured.message)}`);
			} else {
				taken++;
				const bytes = dumpBytes(captured.file);
				made.push({file: captured.file, bytes});
				if (directoryBytes(dir) > maxDiskBytes) {
					removeDump(captured.file);
					made.pop();
					return await end(EXIT_NOT_FOUND, `meliae-tui: --max-disk ${humanBytes(maxDiskBytes)} reached: the dump just taken (${humanBytes(bytes)}) did not fit in ${escapeControls(dir)} and was removed; stopped capturing`);
				}

				for (const old of toDelete(made, keep)) {
					removeDump(old.file);
					analysis.forget(old.file);
				}

				made.splice(0, Math.max(0, made.length - keep));
				let record: DumpRecord;
				try {
					// eslint-disable-next-line no-await-in-loop
					record = await analysis.add(captured.file, new Date(started), bytes, captured.pauseMs);
				} catch (error) {
					if (error instanceof CommandExit) {
						if (error.code === EXIT_INTERRUPTED) {
							interrupted = true;
							continue;
						}

						return await end(error.code);
					}

					throw error;
				}

				records.push(record);
				records.splice(0, Math.max(0, records.length - keep));
				view.dump(record, records, taken);
				if (settings.untilGrowing !== undefined) {
					const grown = analysis.tracker.grownFor(settings.untilGrowing, record.candidates?.map(candidate => candidate.type));
					if (grown !== undefined) {
						const group = record.candidates?.find(candidate => candidate.type === grown.type);
						const held = (group === undefined ? 'no leak candidate group of this type yet' : (group.heldBy === '' ? 'held from several roots' : `held by ${group.heldBy}`))
							+ (group === undefined || group.allocatedAt === '' ? '' : `, allocated at ${escapeControls(group.allocatedAt)}`);
						// eslint-disable-next-line no-await-in-loop
						const report = await writeReport(ctx, tools.report, made.map(dump => dump.file), dir);
						const {streak} = grown;
						return await end(EXIT_OK, `meliae-tui: ${escapeControls(grown.type)} grew at ${streak.steps} steps in a row (${streak.firstCount} -> ${streak.count} objects, ${humanBytes(streak.firstSize)} -> ${humanBytes(streak.size)}); ${held}${report === undefined ? '' : `; report: ${escapeControls(report)}`}`);
					}
				}
			}

			const delay = started + (settings.everySeconds * 1000) - Date.now();
			view.status(`next dump in ${Math.max(0, Math.ceil(delay / 1000))} s`);
			// eslint-disable-next-line no-await-in-loop
			const asked = await view.wait(Math.max(0, delay), wake);
			if (asked === 'quit') {
				return await end(EXIT_OK);
			}

			if (interrupted) {
				wake = new Promise<void>(resolve => {
					wakeUp = resolve;
				});
			}
		}
	} finally {
		process.off('SIGINT', onInterrupt);
		process.off('SIGTERM', onInterrupt);
		view.close();
	}
}
