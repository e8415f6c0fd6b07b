/**
 * The target's ELF files are data to the attacher: a FIFO or a device in
 * their place is refused without blocking, and truncated or lying headers
 * are refused with a clear reason instead of reading past the file.
 */

import {execFileSync} from 'node:child_process';
import {copyFileSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {interpreters, pythonDir, run, scratchDir} from './python.js';

const python = interpreters()[0];

/** Parse `file` with the attacher's ELF reader; its result or error as text. */
async function parse(file: string): Promise<string> {
	const code = [
		'import sys',
		`sys.path.insert(0, ${JSON.stringify(pythonDir)})`,
		'import meliae_attach as m',
		'try:',
		`    with m.ElfFile(${JSON.stringify(file)}) as f:`,
		"        syms, _ = m.elf_dynamic_symbols(f, ['malloc', 'munmap'])",
		"    print('ok', sorted(syms))",
		'except m.AttachError as e:',
		"    print(e.reason, e)",
		'except OSError as e:',
		"    print('oserror', e.strerror)",
	].join('\n');
	const result = await run(python!.exe, ['-I', '-S', '-c', code], {timeoutMs: 10_000});
	expect(result.stderr).toBe('');
	return result.stdout.trim();
}

function libc(): string {
	const maps = readFileSync('/proc/self/maps', 'utf8');
	const found = /\s(\/\S*libc\.so\.6)$/m.exec(maps);
	return found![1]!;
}

describe.skipIf(python === undefined || process.platform !== 'linux')('the attacher reads ELF files as data', () => {
	it('finds symbols in a real libc', async () => {
		expect(await parse(libc())).toBe("ok ['malloc', 'munmap']");
	});

	it('refuses a FIFO and a device without blocking', async () => {
		const fifo = join(scratchDir(), 'fifo');
		execFileSync('mkfifo', [fifo]);
		expect(await parse(fifo)).toBe(`bad_file ${fifo} is not a regular file`);
		expect(await parse('/dev/zero')).toBe('bad_file /dev/zero is not a regular file');
	});

	it('refuses a symlink in the path it is given', async () => {
		const dir = scratchDir();
		execFileSync('ln', ['-s', libc(), join(dir, 'libc.so.6')]);
		expect(await parse(join(dir, 'libc.so.6'))).toMatch(/^oserror /);
	});

	it('refuses truncated files and headers pointing past the end', async () => {
		const dir = scratchDir();
		const bytes = readFileSync(libc());
		const truncated = join(dir, 'truncated.so');
		writeFileSync(truncated, bytes.subarray(0, 4096));
		expect(await parse(truncated)).toMatch(/^bad_elf ELF offset \d+ size \d+ outside the file \(4096 bytes\)$/);
		const lying = join(dir, 'lying.so');
		copyFileSync(libc(), lying);
		const header = Buffer.from(bytes);
		header.writeBigUInt64LE(0xffff_ffff_ffffn, 40); // e_shoff
		writeFileSync(lying, header);
		expect(await parse(lying)).toMatch(/^bad_elf ELF offset 281474976710655 size \d+ outside the file/);
		const tiny = join(dir, 'tiny.so');
		writeFileSync(tiny, bytes.subarray(0, 10));
		expect(await parse(tiny)).toBe('bad_elf ELF offset 0 size 64 outside the file (10 bytes)');
	});
});
