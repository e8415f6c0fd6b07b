/**
 * Runs the built commands on many dump files in one process (a process per
 * case would spend the time budget on start-up): for each file given on the
 * command line, `summarize`, `show` (of the address in the file's first
 * line) and `top`, through the same entry points as the CLI. Prints one JSON
 * line per run: {file, command, code, stderr, threw}.
 */

import {readFileSync} from 'node:fs';
import {Writable} from 'node:stream';

const commands = {
	summarize: (await import('../../dist/commands/summarize.js')).main,
	show: (await import('../../dist/commands/show.js')).main,
	top: (await import('../../dist/commands/top.js')).main,
};

const sink = () => {
	let text = '';
	const stream = new Writable({
		write(chunk, _encoding, callback) {
			if (text.length < 20_000) {
				text += String(chunk);
			}

			callback();
		},
	});
	return {stream, text: () => text};
};

function firstAddress(file) {
	const head = readFileSync(file).subarray(0, 200).toString('latin1');
	return /"address": (\d+)/.exec(head)?.[1] ?? '1';
}

for (const file of process.argv.slice(2)) {
	for (const [name, main] of Object.entries(commands)) {
		const stdout = sink();
		const stderr = sink();
		const input = name === 'show' ? [file, firstAddress(file)] : [file];
		let code = null;
		let threw = null;
		try {
			code = await main({input, flags: {quiet: true}, rest: [], stdout: stdout.stream, stderr: stderr.stream, env: {}});
		} catch (error) {
			threw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
		}

		process.stdout.write(JSON.stringify({file, command: name, code, stderr: stderr.text(), threw}) + '\n');
	}
}
